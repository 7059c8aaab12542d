/**
 * The custom-elements manifest (dist/custom-elements.json), read from the JSDoc header and the declared
 * properties of src/user-box.ts. It lists the public API only: Lit's internal state (`_user`, `_apps`, declared
 * with `state: true`, which the analyzer takes for attributes), private members, and the generic
 * `dispatchEvent(new CustomEvent(type…))` inside `#emit` are dropped; the events are the ones the header documents.
 */
const publicApiOnly = () => ({
  name: 'userbox-public-api-only',
  packageLinkPhase({ customElementsManifest }) {
    for (const module of customElementsManifest.modules) {
      for (const declaration of module.declarations ?? []) {
        const isPrivate = (name) => name?.startsWith('_') || name?.startsWith('#');
        declaration.members = declaration.members?.filter((m) => m.privacy !== 'private' && !isPrivate(m.name));
        declaration.attributes = declaration.attributes?.filter((a) => !isPrivate(a.fieldName ?? a.name));
        declaration.events = declaration.events?.filter((e) => e.description);
      }
    }
  },
});

export default {
  globs: ['src/user-box.ts'],
  outdir: 'dist',
  litelement: true,
  // package.json names dist/custom-elements.json itself; the analyzer would rewrite it to whatever --outdir a run
  // uses (the API test writes to a temporary folder).
  packagejson: false,
  plugins: [publicApiOnly()],
};
