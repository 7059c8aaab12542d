// Child process for bench/api.mjs: 20 password sign-ins per second against BENCH_URL until SIGTERM, then
// prints {"ok","failed","p50","p99"} as one JSON line. Its own process, so the load generator cannot starve it.
const url = process.env.BENCH_URL;
const origin = process.env.BENCH_ORIGIN;
const users = JSON.parse(process.env.BENCH_USERS);
const perSecond = 20;
const latencies = [];
let ok = 0;
let failed = 0;
let i = 0;
const timer = setInterval(() => {
  const u = users[i++ % users.length];
  const started = performance.now();
  fetch(`${url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json', origin }, body: JSON.stringify({ email: u.email, password: u.password }) })
    .then((r) => (r.ok ? ok++ : failed++), () => failed++)
    .finally(() => latencies.push(performance.now() - started));
}, 1000 / perSecond);
process.on('SIGTERM', () => {
  clearInterval(timer);
  latencies.sort((a, b) => a - b);
  const at = (q) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0);
  process.stdout.write(JSON.stringify({ ok, failed, p50: at(0.5), p99: at(0.99) }) + '\n', () => process.exit(0));
});
process.stdout.write('ready\n');
