// npm scripts must run on the Node pinned in devDependencies (node_modules/.bin/node).
// When its install script was skipped, npm silently falls back to the system Node.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  console.error(
    `Porta needs Node.js 22.12 or later, but this script runs on ${process.versions.node}.\n` +
      'Run `npm install` (it installs Node 24 into node_modules/.bin), and make sure install scripts are allowed.',
  );
  process.exit(1);
}
