export type XmlValue = string | number | boolean | Date | undefined | XmlValue[] | { [name: string]: XmlValue };

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

/**
 * Renders `value` as the children of an element. Lists become repeated `listItem` elements
 * (`member` in awsQuery, `item` in ec2Query); undefined fields are left out, as AWS omits them.
 */
export function xmlChildren(value: XmlValue, listItem: string): string {
  if (value === undefined) return '';
  if (Array.isArray(value)) return value.map((v) => xmlElement(listItem, v, listItem)).join('');
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') {
    return Object.entries(value)
      .map(([name, v]) => xmlElement(name, v, listItem))
      .join('');
  }
  return escapeXml(String(value));
}

export function xmlElement(name: string, value: XmlValue, listItem: string): string {
  if (value === undefined) return '';
  return `<${name}>${xmlChildren(value, listItem)}</${name}>`;
}
