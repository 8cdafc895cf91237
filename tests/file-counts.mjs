// SPDX-License-Identifier: MIT
// A node:test reporter for tests/run.sh: one line "FILE<TAB>pass|fail" for every
// test and subtest that finished, so the runner can compare what each file ran
// with what it declares. A file that stops early (process.exit midway) shows up
// with fewer lines than it declares, or as one line named after the file itself.
export default async function* fileCounts(source) {
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const outcome = event.type === 'test:pass' ? 'pass' : 'fail';
    yield `${event.data.file ?? '?'}\t${outcome}\n`;
  }
}
