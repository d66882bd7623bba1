import type { ScalarTag, CollectionTag } from 'yaml';
import { parse } from 'yaml';

/** Short-form intrinsic tags, each read into the long form CloudFormation itself expands it to. */
const intrinsics = ['Base64', 'GetAtt', 'GetAZs', 'If', 'Join', 'Ref', 'Select', 'Split', 'Sub', 'Equals', 'Not', 'And', 'Or'];

function longName(name: string): string {
  return name === 'Ref' ? 'Ref' : `Fn::${name}`;
}

const tags: (ScalarTag | CollectionTag)[] = intrinsics.flatMap((name) => {
  const tag = `!${name}`;
  const key = longName(name);
  return [
    {
      tag,
      resolve: (value: string) =>
        // !GetAtt Resource.Attribute is the scalar form of ["Resource", "Attribute"].
        ({ [key]: name === 'GetAtt' ? value.split(/\.(.*)/s).slice(0, 2) : value }),
    } satisfies ScalarTag,
    { tag, collection: 'seq', resolve: (value) => ({ [key]: value.toJSON() }) } satisfies CollectionTag,
    { tag, collection: 'map', resolve: (value) => ({ [key]: value.toJSON() }) } satisfies CollectionTag,
  ];
});

export type Template = {
  Parameters: Record<string, unknown>;
  Resources: Record<string, { Type: string; Properties: Record<string, any>; UpdatePolicy?: any }>;
  Outputs: Record<string, { Value: unknown }>;
};

export function parseCloudFormation(text: string): Template {
  return parse(text, { customTags: tags }) as Template;
}
