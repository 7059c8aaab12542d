import { startServices } from './support/services.js';

/** Starts the services once for the whole run; tests read their addresses from the environment. */
export default async function globalSetup(): Promise<() => Promise<void>> {
  const services = await startServices();
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
