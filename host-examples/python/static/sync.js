// Keeps the server-rendered page in step with the box. The server knows the user from its own session; the box
// asks the service directly. When they disagree because something happened in the box (signed in through its
// Sign in, or out through its menu), ask the server again. Each user is tried once per tab, so this cannot loop.
const serverSub = document.body.dataset.userSub ?? '';
let boxHadUser = false;

document.addEventListener('userbox-change', (event) => {
  const user = event.detail?.user ?? null;
  if (user && user.id !== serverSub) {
    const key = 'host-sync-tried';
    if (sessionStorage.getItem(key) === user.id) return;
    sessionStorage.setItem(key, user.id);
    location.assign(`/login?prompt=none&return_to=${encodeURIComponent(location.pathname)}`);
  } else if (!user && boxHadUser && serverSub) {
    location.reload(); // signed out in another tab or app: the server's check will agree
  }
  boxHadUser ||= Boolean(user);
});

document.addEventListener('userbox-signout', () => location.reload());
