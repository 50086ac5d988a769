// `npm run docs:study [-- --from DIR]`: the study the documents quote. With --from, DIR's study.json, tables and
// figures (a `prescale study --out DIR`) replace docs/study/; then the marked numbers, tables and figures of
// docs/experiments.md and docs/paper-draft.md are rewritten from docs/study/study.json (src/experiments/study-docs.ts).
import { cp, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { writeFileAtomic } from '../core/atomic-write.js';
import { DOCS_STUDY_DIR, fillStudyDocument, STUDY_DOCUMENTS, type StudyJson } from '../experiments/study-docs.js';

const docs = resolve(import.meta.dirname, '../../docs');
const studyDir = join(docs, DOCS_STUDY_DIR);
const { values } = parseArgs({ options: { from: { type: 'string' } } });

if (values.from !== undefined) {
  const from = resolve(values.from);
  await rm(studyDir, { recursive: true, force: true });
  await cp(join(from, 'study.json'), join(studyDir, 'study.json'));
  for (const folder of ['tables', 'figures']) await cp(join(from, folder), join(studyDir, folder), { recursive: true });
  process.stdout.write(`docs/${DOCS_STUDY_DIR}: the study of ${from}\n`);
}
const study = JSON.parse(await readFile(join(studyDir, 'study.json'), 'utf8')) as StudyJson;
for (const name of STUDY_DOCUMENTS) {
  const path = join(docs, name);
  const before = await readFile(path, 'utf8');
  const after = fillStudyDocument(before, study, `${DOCS_STUDY_DIR}/figures`);
  if (after !== before) await writeFileAtomic(path, after, name);
  process.stdout.write(`docs/${name}: ${after === before ? 'unchanged' : 'rewritten'}\n`);
}
