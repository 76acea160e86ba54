import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

/**
 * Checks an answer against the response schema the service's own OpenAPI document declares
 * for it (GET /docs-json), so a test that reaches a state schemathesis cannot (an erased
 * person, say) still holds the answers to the contract. Ajv reads OpenAPI's `nullable`;
 * ajv-formats checks `uuid`, `date-time` and the other formats the document names.
 */
export class OpenApiAnswers {
  private readonly ajv = new Ajv({ strict: false, allErrors: true });
  private readonly compiled = new Map<string, ValidateFunction>();
  private readonly templates: ReadonlyArray<{ readonly template: string; readonly pattern: RegExp }>;

  constructor(private readonly document: { paths: Record<string, unknown> }) {
    addFormats(this.ajv);
    this.ajv.addSchema(document, 'openapi');
    this.templates = Object.keys(document.paths).map((template) => ({
      template,
      pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`),
    }));
  }

  /** The schema errors of this answer (empty when it conforms); throws when the document has no such operation. */
  errorsOf(method: string, url: string, status: number, body: unknown): string[] {
    const path = url.split('?')[0];
    const matches = this.templates.filter(({ pattern }) => pattern.test(path));
    // A literal segment wins over a parameter (/organizations/needs-admin before /organizations/{orgId}).
    const found = matches.sort((a, b) => (a.template.match(/\{/g)?.length ?? 0) - (b.template.match(/\{/g)?.length ?? 0))[0];
    if (!found) throw new Error(`the OpenAPI document has no path for ${path}`);
    const pointer = `/paths/${escape(found.template)}/${method.toLowerCase()}/responses/${status}/content/application~1json/schema`;
    let validate = this.compiled.get(pointer);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `openapi#${pointer}` });
      this.compiled.set(pointer, validate);
    }
    return validate(body) ? [] : (validate.errors ?? []).map((error) => `${method} ${url} ${status}: ${error.instancePath} ${error.message}`);
  }
}

const escape = (template: string): string => template.replace(/~/g, '~0').replace(/\//g, '~1');
