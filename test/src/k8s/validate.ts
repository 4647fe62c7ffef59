/**
 * Checks a rendered Kubernetes object against the schemas of a current Kubernetes, the way the API
 * server would: the official OpenAPI schemas (kubernetes-models), plus what that package lets
 * through: unknown fields (checked against the @kubernetes/client-node models' field lists, which a
 * real server prunes or rejects) and the DNS-1123 / DNS-1035 / IANA names the server enforces.
 */
import * as kube from '@kubernetes/client-node';

type Json = Record<string, unknown>;
interface Attribute {
  name: string;
  baseName: string;
  type: string;
}
type Model = { getAttributeTypeMap(): Attribute[] };

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
const IANA_SVC_NAME = /^(?=.*[a-z])(?!.*--)[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function modelName(apiVersion: string, kind: string): string {
  const version = apiVersion.split('/').pop()!;
  return `${version[0]!.toUpperCase()}${version.slice(1)}${kind}`;
}

function model(name: string): Model | undefined {
  return (kube as unknown as Record<string, Model | undefined>)[name];
}

/** Fields of `value` its model does not know, as JSON paths. */
function unknownFields(value: unknown, type: string, path: string): string[] {
  if (value === null || value === undefined) return [];
  const array = /^Array<(.+)>$/.exec(type);
  if (array) {
    if (!Array.isArray(value)) return [`${path}: expected a list`];
    return value.flatMap((item, i) => unknownFields(item, array[1]!, `${path}[${i}]`));
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    return Object.entries(value as Json).flatMap(([k, v]) => unknownFields(v, map[1]!, `${path}.${k}`));
  }
  const m = model(type);
  if (!m || typeof value !== 'object') return [];
  const attributes = m.getAttributeTypeMap();
  return Object.entries(value as Json).flatMap(([key, child]) => {
    const attribute = attributes.find((a) => a.baseName === key);
    if (!attribute) return [`${path}.${key}: unknown field of ${type}`];
    return unknownFields(child, attribute.type, `${path}.${key}`);
  });
}

function checkLabels(labels: unknown, path: string): string[] {
  return Object.entries((labels ?? {}) as Record<string, string>).flatMap(([key, value]) => {
    const [prefix, name] = key.includes('/') ? key.split('/') : [undefined, key];
    const problems: string[] = [];
    if (
      (prefix !== undefined && !DNS1123_SUBDOMAIN.test(prefix)) ||
      !LABEL_NAME.test(name!) ||
      name!.length > 63
    )
      problems.push(`${path}: label key "${key}" is not valid`);
    if (value.length > 63 || (value !== '' && !LABEL_NAME.test(value)))
      problems.push(`${path}: label value "${value}" is not valid`);
    return problems;
  });
}

function checkPod(pod: Json | undefined, path: string): string[] {
  if (!pod) return [];
  const problems: string[] = [];
  const containers = (pod.containers ?? []) as Json[];
  for (const [i, c] of containers.entries()) {
    const where = `${path}.containers[${i}]`;
    if (!DNS1123_LABEL.test(String(c.name)))
      problems.push(`${where}.name "${c.name}" is not a DNS-1123 label`);
    for (const p of (c.ports ?? []) as Json[]) {
      if (p.name !== undefined && (!IANA_SVC_NAME.test(String(p.name)) || String(p.name).length > 15))
        problems.push(`${where}: port name "${p.name}" is not an IANA service name`);
    }
    for (const e of (c.env ?? []) as Json[]) {
      if (!ENV_NAME.test(String(e.name))) problems.push(`${where}: env name "${e.name}" is not valid`);
    }
  }
  for (const v of (pod.volumes ?? []) as Json[]) {
    if (!DNS1123_LABEL.test(String(v.name)))
      problems.push(`${path}.volumes: "${v.name}" is not a DNS-1123 label`);
  }
  return problems;
}

/** Every problem the API server of a current Kubernetes would find; empty when the object is valid. */
export async function validateObject(object: Json): Promise<string[]> {
  const apiVersion = String(object.apiVersion);
  const kind = String(object.kind);
  const metadata = (object.metadata ?? {}) as Json;
  const where = `${kind}/${String(metadata.name)}`;
  const problems: string[] = [];

  const group = apiVersion.includes('/') ? apiVersion : `v1`;
  const { [kind]: Official } = (await import(`kubernetes-models/${group}/${kind}`)) as Record<
    string,
    new (data: Json) => { validate(): void }
  >;
  try {
    new Official!(object).validate();
  } catch (error) {
    problems.push(`${where}: ${(error as Error).message}`);
  }

  const name = modelName(apiVersion, kind);
  if (!model(name)) problems.push(`${where}: no @kubernetes/client-node model ${name}`);
  else problems.push(...unknownFields(object, name, where));

  const objectName = String(metadata.name);
  const namePattern = kind === 'Service' ? DNS1035_LABEL : DNS1123_SUBDOMAIN;
  const maxLength = kind === 'Service' ? 63 : 253;
  if (!namePattern.test(objectName) || objectName.length > maxLength)
    problems.push(`${where}: metadata.name is not a valid ${kind} name`);
  if (metadata.namespace !== undefined && !DNS1123_LABEL.test(String(metadata.namespace)))
    problems.push(`${where}: metadata.namespace is not a DNS-1123 label`);
  problems.push(...checkLabels(metadata.labels, `${where}.metadata.labels`));

  const spec = (object.spec ?? {}) as Json;
  const template = spec.template as Json | undefined;
  if (template) {
    problems.push(
      ...checkLabels(
        (template.metadata as Json | undefined)?.labels,
        `${where}.spec.template.metadata.labels`,
      ),
    );
    problems.push(...checkPod(template.spec as Json | undefined, `${where}.spec.template.spec`));
  }
  return problems;
}
