import { DomainError } from './errors';
import { isServiceId, serviceId } from './ids';

describe('service-made ids', () => {
  it('are UUIDs, read in lower case', () => {
    expect(serviceId('0F8FAD5B-D9CB-469F-A165-70867728950E')).toBe('0f8fad5b-d9cb-469f-a165-70867728950e');
    expect(isServiceId('0f8fad5b-d9cb-469f-a165-70867728950e')).toBe(true);
  });

  it.each(['not-an-id', '', ' 0f8fad5b-d9cb-469f-a165-70867728950e', 42, undefined])('refuses %j with VALIDATION.ID', (value) => {
    expect(isServiceId(value)).toBe(false);
    expect(() => serviceId(value)).toThrow(DomainError);
    expect(() => serviceId(value)).toThrow(expect.objectContaining({ kind: 'validation', code: 'VALIDATION.ID' }));
  });
});
