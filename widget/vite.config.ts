import ts from 'typescript';
import { defineConfig, type Plugin } from 'vite';

/** CSS inside css`` without comments and the whitespace a parser does not need. */
export function minifyCss(text: string): string {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\s+/g, ' ')
    .replace(/ ?([{};,>]) ?/g, '$1')
    .replace(/: /g, ':')
    .replace(/;}/g, '}')
    .replace(/\[([\w-]+)='([\w-]+)'\]/g, '[$1=$2]')
    .trim();
}

/**
 * Markup inside html``: a line break with its indentation goes away next to a tag and becomes one space
 * elsewhere (between attributes, or text and an expression). Whitespace within a line is left as written.
 * A static attribute value of letters, digits and dashes loses its quotes (`part=item`), an empty one its `=""`
 * (`alt`), as HTML allows; only where a space or the tag's end follows, so a value before `${…}` or `/` keeps them.
 */
export function minifyHtml(text: string): string {
  return text
    .replace(/\s*\n\s*>/g, '>')
    .replace(/>\s*\n\s*/g, '>')
    .replace(/\s*\n\s*</g, '<')
    .replace(/\s*\n\s*/g, ' ')
    .replace(/ \/>/g, '>')
    .replace(/(\s[\w-]+)=""(?=[\s>])/g, '$1')
    .replace(/(\s[\w-]+)="([\w-]+)"(?=[\s>])/g, '$1=$2');
}

/**
 * Minifies the static text of the element's css`` and html`` templates at build time. The bundler's minifier
 * leaves template literals alone, and they are a third of the widget's own bytes; the 10 KB budget needs them
 * small. It rewrites only literal text (never `${…}` expressions), found through the TypeScript parser.
 */
function minifyTemplates(): Plugin {
  return {
    name: 'userbox-minify-templates',
    enforce: 'pre',
    transform(code, id) {
      if (!id.endsWith('.ts') || !/\b(css|html)`/.test(code)) return null;
      const source = ts.createSourceFile(id, code, ts.ScriptTarget.Latest, true);
      const edits: { start: number; end: number; text: string }[] = [];
      const visit = (node: ts.Node): void => {
        if (ts.isTaggedTemplateExpression(node) && ts.isIdentifier(node.tag) && /^(css|html)$/.test(node.tag.text)) {
          const minify = node.tag.text === 'css' ? minifyCss : minifyHtml;
          const parts = ts.isNoSubstitutionTemplateLiteral(node.template)
            ? [node.template]
            : [node.template.head, ...node.template.templateSpans.map((s) => s.literal)];
          for (const part of parts) {
            // The literal's text without its delimiters: ` or } before, ` or ${ after.
            const start = part.getStart(source) + 1;
            const end = part.getEnd() - (ts.isTemplateHead(part) || ts.isTemplateMiddle(part) ? 2 : 1);
            edits.push({ start, end, text: minify(code.slice(start, end)) });
          }
        }
        ts.forEachChild(node, visit);
      };
      visit(source);
      let out = code;
      for (const edit of edits.sort((a, b) => b.start - a.start)) {
        out = out.slice(0, edit.start) + edit.text + out.slice(edit.end);
      }
      return { code: out, map: null };
    },
  };
}

const quietImportMeta = {
  onLog(level: 'info' | 'warn' | 'debug', log: { code?: string }, handler: (level: 'info' | 'warn' | 'debug', log: never) => void) {
    // The IIFE build has no import.meta; user-box.ts reads document.currentScript there instead.
    if (log.code === 'EMPTY_IMPORT_META') return;
    handler(level, log as never);
  },
};

/**
 * Two builds: the element (`vite build`, ES and IIFE, within the 10 KB budget), and the modules the service serves
 * beside it (`vite build --mode token`): token mode, /userbox-token.js, which either bundle imports only on pages
 * of another site, and /userbox-host-sync.js, for server-rendered hosts (src/host-sync.ts).
 */
export default defineConfig(({ mode }) =>
  mode === 'token'
    ? {
        build: {
          target: 'es2022',
          sourcemap: true,
          emptyOutDir: false,
          lib: {
            entry: { 'userbox-token': 'src/token-session-client.ts', 'userbox-host-sync': 'src/host-sync.ts' },
            formats: ['es'],
            fileName: (_format, name) => `${name}.js`,
          },
          rolldownOptions: { output: { minify: true } },
        },
      }
    : {
        plugins: [minifyTemplates()],
        build: {
          target: 'es2022',
          // Maps are emitted beside the bundles; no sourceMappingURL line, which every page would download.
          sourcemap: 'hidden',
          minify: true,
          lib: {
            entry: 'src/index.ts',
            name: 'Userbox',
            formats: ['es', 'iife'],
            fileName: (format) => (format === 'es' ? 'userbox.js' : 'userbox.iife.js'),
          },
          rolldownOptions: {
            output: {
              // Vite leaves whitespace in ES library builds for downstream bundlers; this file is served to browsers as is.
              minify: true,
              // Nor does it need Lit's /* @__PURE__ */ marks (the whole file is the element), or a Symbol.toStringTag
              // on the IIFE's `Userbox` global: 28 and 25 bytes gzip.
              comments: false,
              generatedCode: { symbols: false },
            },
            ...quietImportMeta,
          },
        },
      },
);
