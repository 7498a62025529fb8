// The examples picker: every flow under the repository's examples/ folder, bundled at
// build time (a fork would point this glob at its own flows, or fetch them).
const files = import.meta.glob(['../../examples/*.json', '../../examples/*/*.{json,yaml,yml}'], {
  query: '?raw',
  import: 'default',
  eager: true,
});

function groupOf(name) {
  if (name.startsWith('archy/')) return 'Archy YAML';
  if (name.startsWith('architect/')) return 'Architect JSON';
  if (name.includes('/')) return 'Other formats';
  if (name.startsWith('defect-')) return 'Flow JSON — defects';
  if (name.startsWith('decision-')) return 'Flow JSON — decisions';
  return 'Flow JSON — clean';
}

const ORDER = ['Flow JSON — clean', 'Flow JSON — defects', 'Flow JSON — decisions', 'Archy YAML', 'Architect JSON', 'Other formats'];

export const examples = Object.entries(files)
  .map(([path, text]) => {
    const name = path.replace(/^.*\/examples\//, '');
    const yaml = /\.ya?ml$/.test(name);
    return { name, text, group: groupOf(name), language: yaml ? 'yaml' : 'json' };
  })
  .sort((a, b) => ORDER.indexOf(a.group) - ORDER.indexOf(b.group) || a.name.localeCompare(b.name));

export const groups = ORDER.filter((g) => examples.some((e) => e.group === g));
