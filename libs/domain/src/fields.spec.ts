import { fieldRefusal, TEXT_PATTERNS, type CommandField } from './fields';

/** Every BMP code point but the surrogates (a lone one has no place in a pattern; the rules refuse it). */
const BMP = Array.from({ length: 0x10000 }, (_, code) => code).filter((code) => code < 0xd800 || code > 0xdfff);
const hex = (code: number) => `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;

/** The code points on which the OpenAPI pattern and the domain's rule disagree, for `text(character)`. */
function disagreements(pattern: string, field: CommandField, text: (character: string) => string): string[] {
  const regex = new RegExp(pattern);
  return BMP.filter((code) => {
    const value = text(String.fromCharCode(code));
    return regex.test(value) !== (fieldRefusal(field, value) === undefined);
  }).map(hex);
}

describe('the text patterns of the OpenAPI document say what the field rules do', () => {
  it.each<CommandField>(['name', 'userId'])('one line (%s): every BMP code point, alone and between letters', (field) => {
    expect(disagreements(TEXT_PATTERNS.oneLine, field, (c) => c)).toEqual([]);
    expect(disagreements(TEXT_PATTERNS.oneLine, field, (c) => `a${c}b`)).toEqual([]);
  });

  it.each<CommandField>(['description', 'message', 'reason'])('several lines (%s): every BMP code point, alone and between letters', (field) => {
    expect(disagreements(TEXT_PATTERNS.multiLine, field, (c) => c)).toEqual([]);
    expect(disagreements(TEXT_PATTERNS.multiLine, field, (c) => `a${c}b`)).toEqual([]);
  });

  it('e-mail: every BMP code point in the address and around it', () => {
    expect(disagreements(TEXT_PATTERNS.email, 'email', (c) => `a${c}b@example.org`)).toEqual([]);
    expect(disagreements(TEXT_PATTERNS.email, 'email', (c) => `ab@exa${c}mple.org`)).toEqual([]);
    expect(disagreements(TEXT_PATTERNS.email, 'email', (c) => `${c}ab@example.org${c}`)).toEqual([]);
  });

  it('blank text: refused on one line, taken over several', () => {
    for (const blank of ['', ' ', ' \u00a0\u3000 ']) {
      expect(new RegExp(TEXT_PATTERNS.oneLine).test(blank)).toBe(false);
      expect(fieldRefusal('name', blank)).toBeDefined();
      expect(new RegExp(TEXT_PATTERNS.multiLine).test(blank)).toBe(true);
      expect(fieldRefusal('description', blank)).toBeUndefined();
    }
  });
});
