import { startServices, type RunningServices } from './support/services.js';

const portTaken = (message: string) => message.includes('EADDRINUSE');

/**
 * The free ports are found before the processes bind them, so another process on the machine may take one
 * meanwhile: then everything starts again on new ports (at most three times).
 */
async function startOnFreePorts(attempt = 1): Promise<RunningServices> {
  let services: RunningServices;
  try {
    services = await startServices();
  } catch (err) {
    if (attempt < 3 && portTaken(String(err))) return startOnFreePorts(attempt + 1);
    throw err;
  }
  if (attempt < 3 && Object.values(services.missingHosts).some(portTaken)) {
    await services.stop();
    return startOnFreePorts(attempt + 1);
  }
  return services;
}

/** Starts the services once for the whole run; tests read their addresses from the environment. */
export default async function globalSetup(): Promise<() => Promise<void>> {
  const services = await startOnFreePorts();
  process.env['USERBOX_SERVICE_URL'] = services.serviceUrl;
  process.env['USERBOX_SERVICE_DIRECT_URL'] = services.serviceDirectUrl;
  process.env['USERBOX_NEWS_URL'] = services.newsUrl;
  process.env['USERBOX_MAIL_URL'] = services.mailUrl;
  process.env['USERBOX_SHOP_URL'] = services.shopUrl;
  process.env['USERBOX_REACT_URL'] = services.reactUrl;
  process.env['USERBOX_PYTHON_URL'] = services.pythonUrl;
  process.env['USERBOX_SSR_URL'] = services.ssrUrl;
  process.env['USERBOX_APPS'] = JSON.stringify(services.apps);
  process.env['USERBOX_MISSING_HOSTS'] = JSON.stringify(services.missingHosts);
  return services.stop;
}
