import { EmbeddedDocumentStore } from './document-store/embedded-document-store';
import { describeProjectionSuite } from './testing/projection-suite';

describeProjectionSuite('the embedded store', async () => new EmbeddedDocumentStore());
