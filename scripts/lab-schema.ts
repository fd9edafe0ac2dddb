// Writes shared/lab-document.schema.json from the zod schema (`npx tsx scripts/lab-schema.ts`);
// test/engine/labs-document.test.ts fails while the shipped file is out of date.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { labDocumentJsonSchema } from '../shared/lab-document';

writeFileSync(fileURLToPath(new URL('../shared/lab-document.schema.json', import.meta.url)), labDocumentJsonSchema());
