// The gallery: documents a new lab can be built from. The three small ones are hand-written JSON
// in their canonical form (what labs.export writes for them); the 20-pod demo is generated.
import type { LabDocument, LabExample } from '../../../../shared/lab-document';
import sameTwo from './same-pod.json';
import twoRouters from './two-routers-three-pods.json';
import worked from './worked-example.json';
import { demoDocument } from './demo';

export function exampleDocument(name: LabExample): LabDocument {
  switch (name) {
    case 'worked-example':
      return structuredClone(worked) as LabDocument;
    case 'two-routers-three-pods':
      return structuredClone(twoRouters) as LabDocument;
    case 'same-pod':
      return structuredClone(sameTwo) as LabDocument;
    case 'demo-20-pods':
      return demoDocument();
  }
}
