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

/**
 * The stable addresses every snippet names, each a few bytes that point at content-hashed chunks. The service
 * serves these loaders with a short cache life and the chunks as immutable, so a repeat view fetches no script
 * (the loader at most revalidates) and a new release reaches every page within the loader's cache life.
 * Relative imports resolve against the loader's own URL, so the chunks come from wherever the loader came from
 * (the service, or a host's bundler through the npm package).
 */
function stableLoaders(): Plugin {
  return {
    name: 'userbox-stable-loaders',
    generateBundle(_options, bundle) {
      /** The chunk of `name`, checked to export `names`, as a path relative to the loaders. */
      const chunkOf = (name: string, names: string[] = []): string => {
        const chunk = Object.values(bundle).find((c) => c.type === 'chunk' && c.name === name);
        if (chunk?.type !== 'chunk') throw new Error(`no chunk ${name}`);
        const missing = names.filter((n) => !chunk.exports.includes(n));
        if (missing.length) throw new Error(`chunk ${name} does not export ${missing.join(', ')}`);
        return './' + chunk.fileName;
      };
      const loaders: Record<string, string> = {
        // The package's exports (the chunk exports more, for its lazy chunks), so `import { UserBox } from
        // '@userbox/widget'` keeps working.
        'userbox.js': `export{UserBox}from"${chunkOf('userbox', ['UserBox'])}";\n`,
        // A classic script may import a module too, resolved here against the script's own address. The global
        // `Userbox` (the IIFE build's name) appears once the chunk has loaded.
        'userbox.iife.js': `import(new URL("${chunkOf('userbox', ['UserBox'])}",document.currentScript.src).href).then(m=>self.Userbox={UserBox:m.UserBox});\n`,
        // Token mode is a chunk the element imports itself; this address stays for pages that named it.
        'userbox-token.js': `export{TokenSessionClient}from"${chunkOf('token-session-client', ['TokenSessionClient'])}";\n`,
        'userbox-host-sync.js': `import"${chunkOf('userbox-host-sync')}";\n`,
      };
      for (const [fileName, source] of Object.entries(loaders)) this.emitFile({ type: 'asset', fileName, source });
    },
  };
}

/**
 * One ES build with code splitting: the element (src/index.ts, the code that paints a signed-in user, with Lit
 * inside, within the 10 KB budget) and the SSR hosts' page sync (src/host-sync.ts) are entries; every `import()`
 * in them becomes a chunk of its own, fetched only when used (token mode, the menus and the launcher), which
 * imports what it shares with the element from the element's chunk. All land in dist/chunks/ as `[name]-[hash].js`, and stableLoaders()
 * writes the addresses snippets use beside them. Adding a lazily loaded part is an `import('./part.js')` away.
 */
export default defineConfig({
  plugins: [minifyTemplates(), stableLoaders()],
  build: {
    target: 'es2022',
    // Maps are emitted beside the chunks; no sourceMappingURL line, which every page would download.
    sourcemap: 'hidden',
    minify: true,
    lib: {
      entry: { userbox: 'src/index.ts', 'userbox-host-sync': 'src/host-sync.ts' },
      formats: ['es'],
    },
    rolldownOptions: {
      // Lets the element's chunk also export what its lazy chunks import from it (SessionClient for token mode),
      // so those modules stay in it instead of a third chunk every page would wait for.
      preserveEntrySignatures: 'allow-extension',
      output: {
        entryFileNames: 'chunks/[name]-[hash].js',
        chunkFileNames: 'chunks/[name]-[hash].js',
        // Vite leaves whitespace in ES library builds for downstream bundlers; these files are served to browsers as is.
        minify: true,
        // Nor do they need Lit's /* @__PURE__ */ marks: 28 bytes gzip.
        comments: false,
        generatedCode: { symbols: false },
      },
    },
  },
});
