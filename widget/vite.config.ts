import { defineConfig } from 'vite';

export default defineConfig({
  build: {
    target: 'es2021',
    sourcemap: true,
    minify: true,
    lib: {
      entry: 'src/index.ts',
      name: 'Userbox',
      formats: ['es', 'iife'],
      fileName: (format) => (format === 'es' ? 'userbox.js' : 'userbox.iife.js'),
    },
    rolldownOptions: {
      onLog(level, log, handler) {
        // The IIFE build has no import.meta; user-box.ts reads document.currentScript there instead.
        if (log.code === 'EMPTY_IMPORT_META') return;
        handler(level, log);
      },
    },
  },
});
