import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const widgetDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const readme = readFileSync(path.join(widgetDir, 'README.md'), 'utf8');

interface Named {
  name: string;
  fieldName?: string;
  kind?: string;
}
interface Declaration {
  tagName?: string;
  attributes?: Named[];
  members?: Named[];
  events?: Named[];
  slots?: Named[];
  cssParts?: Named[];
  cssProperties?: Named[];
}

// The manifest as the build makes it (the analyzer with the package's config), written outside the tree.
const outdir = mkdtempSync(path.join(tmpdir(), 'userbox-cem-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));
function manifest(): Declaration {
  const cem = path.join(path.dirname(fileURLToPath(import.meta.resolve('@custom-elements-manifest/analyzer/package.json'))), 'cem.js');
  // The analyzer takes --outdir relative to its working directory.
  execFileSync(process.execPath, [cem, 'analyze', '--quiet', '--outdir', path.relative(widgetDir, outdir)], { cwd: widgetDir, stdio: 'pipe' });
  const json = JSON.parse(readFileSync(path.join(outdir, 'custom-elements.json'), 'utf8')) as { modules: { declarations?: Declaration[] }[] };
  const elements = json.modules.flatMap((m) => m.declarations ?? []).filter((d) => d.tagName);
  expect(elements.map((d) => d.tagName)).toEqual(['user-box']);
  return elements[0]!;
}

/** The first column of the README table whose header row starts with `header`, as the code spans in it. */
function column(header: string): string[] {
  const lines = readme.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`| ${header} |`));
  expect(start, `a README table headed "${header}"`).toBeGreaterThanOrEqual(0);
  const rows: string[] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(line.split('|')[1]!.trim());
  }
  return rows;
}
const spans = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
const sorted = (names: Iterable<string>) => [...names].sort();

describe("the README's API tables and the custom-elements manifest", () => {
  const element = manifest();

  it('list the same attributes and properties', () => {
    const documented = column('Attribute / property').flatMap(spans);
    const fromManifest = new Set<string>();
    for (const a of element.attributes ?? []) fromManifest.add(a.name).add(a.fieldName ?? a.name);
    for (const m of element.members ?? []) if (m.kind === 'field') fromManifest.add(m.name);
    expect(sorted(new Set(documented))).toEqual(sorted(fromManifest));
  });

  it('list the same methods, events, slots, parts and custom properties', () => {
    const methods = (element.members ?? []).filter((m) => m.kind === 'method').map((m) => m.name);
    expect(sorted(column('Method').map((c) => spans(c)[0]!.replace(/\(.*$/, '')))).toEqual(sorted(methods));
    expect(sorted(column('Event').flatMap(spans))).toEqual(sorted((element.events ?? []).map((e) => e.name)));
    const slots = column('Slot').map((c) => (c === '(default)' ? '' : spans(c)[0]!));
    expect(sorted(slots)).toEqual(sorted((element.slots ?? []).map((s) => s.name)));
    expect(sorted(column('Property').flatMap(spans))).toEqual(sorted((element.cssProperties ?? []).map((p) => p.name)));
    const partsLine = /^Parts: ([\s\S]*?)\. For example/m.exec(readme)?.[1] ?? '';
    expect(sorted(spans(partsLine))).toEqual(sorted((element.cssParts ?? []).map((p) => p.name)));
  });
});
