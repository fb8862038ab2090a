import { describe, expect, it } from 'vitest';
import { CSV_BOM, csvField, csvRow, type CsvValue } from './csv';

describe('csvField', () => {
  const cases: [string, CsvValue, string][] = [
    ['plain text', 'hello', 'hello'],
    ['empty string', '', ''],
    ['null', null, ''],
    ['undefined', undefined, ''],
    ['a number', 42, '42'],
    ['zero', 0, '0'],
    ['comma', 'a,b', '"a,b"'],
    ['double quote', 'say "hi"', '"say ""hi"""'],
    ['LF', 'line 1\nline 2', '"line 1\nline 2"'],
    ['CRLF', 'line 1\r\nline 2', '"line 1\r\nline 2"'],
    ['non-ASCII', 'Müller – 東京', 'Müller – 東京'],
    ['leading space is kept', ' x', ' x'],
    ['equals', '=1+2', "'=1+2"],
    ['plus', '+1', "'+1"],
    ['minus', '-1', "'-1"],
    ['at', '@SUM(A1)', "'@SUM(A1)"],
    ['tab', '\t=1', "'\t=1"],
    ['carriage return', '\r=1', '"\'\r=1"'],
    ['a negative number', -5, "'-5"],
    ['HYPERLINK with a comma and quotes', '=HYPERLINK("http://x.example","click")', '"\'=HYPERLINK(""http://x.example"",""click"")"'],
    ['formula characters not at the start', 'a=b+c-d@e', 'a=b+c-d@e'],
    ['an email address', 'owner@acme.example', 'owner@acme.example'],
  ];
  it.each(cases)('%s', (_name, input, expected) => {
    expect(csvField(input)).toBe(expected);
  });
});

describe('csvRow', () => {
  it('joins fields with commas and ends with CRLF', () => {
    expect(csvRow(['a', 1, null, 'b,c'])).toBe('a,1,,"b,c"\r\n');
  });
  it('writes an empty record as a bare line end', () => {
    expect(csvRow([])).toBe('\r\n');
  });
  it('keeps a multi-line field inside one record', () => {
    expect(csvRow(['x', 'one\ntwo'])).toBe('x,"one\ntwo"\r\n');
  });
});

describe('CSV_BOM', () => {
  it('is the UTF-8 byte-order mark', () => {
    expect(new TextEncoder().encode(CSV_BOM)).toEqual(new Uint8Array([0xef, 0xbb, 0xbf]));
  });
});
