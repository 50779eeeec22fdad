// Validates Kubernetes objects offline: reads a JSON array of objects (the rendered manifests, converted from
// kubectl kustomize's YAML by the caller) from the file named as the only argument, and validates each against
// its schema: Kubernetes' own (kubernetes-models), KEDA's and the Prometheus operator's CRDs. Strimzi and
// CloudNativePG publish no such model package: their objects get the checks of shapes.mjs. Prints one line
// per object ("ok" or the errors) and exits 1 if any object is invalid or of a kind it cannot check.
import { readFileSync } from 'node:fs';
import { checkShape } from './shapes.mjs';

const CORE = 'kubernetes-models';
const packageOf = (group) => {
  if (group === 'keda.sh') return '@kubernetes-models/keda/keda.sh';
  if (group === 'monitoring.coreos.com') return '@kubernetes-models/prometheus-operator/monitoring.coreos.com';
  return group === '' ? CORE : `${CORE}/${group}`;
};

async function validate(obj) {
  const [group, version] = obj.apiVersion.includes('/') ? obj.apiVersion.split('/') : ['', obj.apiVersion];
  const shape = checkShape(group, version, obj);
  if (shape !== undefined) return shape;
  let models;
  try {
    models = await import(`${packageOf(group)}/${version}`);
  } catch (e) {
    return [`no schema for ${obj.apiVersion}`];
  }
  const Model = models[obj.kind];
  if (typeof Model !== 'function') return [`no schema for ${obj.apiVersion} ${obj.kind}`];
  try {
    new Model(obj).validate();
    return [];
  } catch (e) {
    return [e.message];
  }
}

const objects = JSON.parse(readFileSync(process.argv[2], 'utf8'));
let failed = 0;
for (const obj of objects) {
  const name = `${obj.apiVersion} ${obj.kind} ${obj.metadata?.name}`;
  const errors = await validate(obj);
  if (errors.length) {
    failed++;
    console.log(`INVALID ${name}: ${errors.join('; ')}`);
  } else {
    console.log(`ok ${name}`);
  }
}
console.log(`${objects.length} objects, ${failed} invalid`);
process.exit(failed ? 1 : 0);
