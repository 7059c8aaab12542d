#!/usr/bin/env node
// `npx userbox`: the service's command line. Runs the TypeScript sources through tsx, like the service.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli.ts');
process.exitCode = await main(process.argv.slice(2));
