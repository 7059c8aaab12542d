import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'auth-service',
    include: ['test/**/*.test.ts'],
    environment: 'node',
  },
});
