// Strimzi (kafka.strimzi.io) and CloudNativePG (postgresql.cnpg.io) publish no kubernetes-models package, so
// their objects are checked here by hand: the fields each operator requires (from their CRDs' required lists)
// with the right types, and no field outside the ones used in k8s/components (a typo fails). Returns undefined
// for other groups (validated by schema), else a list of errors.
const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const isInt = (v) => Number.isInteger(v) && v > 0;
const isStr = (v) => typeof v === 'string' && v.length > 0;

function fields(errors, where, obj, allowed) {
  if (!isObj(obj)) { errors.push(`${where} must be an object`); return; }
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) errors.push(`${where}.${key} is not a field this check knows (typo?)`);
  }
}

function need(errors, where, ok, what) {
  if (!ok) errors.push(`${where} ${what}`);
}

function topLevel(errors, obj) {
  fields(errors, '', obj, ['apiVersion', 'kind', 'metadata', 'spec']);
  need(errors, 'metadata.name', isStr(obj.metadata?.name), 'is required');
  need(errors, 'spec', isObj(obj.spec), 'is required');
}

const strimzi = {
  Kafka(obj, errors) {
    const s = obj.spec ?? {};
    fields(errors, 'spec', s, ['kafka', 'zookeeper', 'entityOperator', 'cruiseControl', 'kafkaExporter']);
    need(errors, 'spec.kafka', isObj(s.kafka), 'is required');
    const k = s.kafka ?? {};
    fields(errors, 'spec.kafka', k, ['version', 'metadataVersion', 'replicas', 'listeners', 'authorization', 'config', 'storage', 'resources', 'template']);
    need(errors, 'spec.kafka.listeners', Array.isArray(k.listeners) && k.listeners.length > 0, 'is required (at least one)');
    for (const [i, l] of (k.listeners ?? []).entries()) {
      const where = `spec.kafka.listeners[${i}]`;
      fields(errors, where, l, ['name', 'port', 'type', 'tls', 'authentication', 'configuration']);
      need(errors, `${where}.name`, /^[a-z0-9]{1,11}$/.test(l.name ?? ''), 'must match ^[a-z0-9]{1,11}$');
      need(errors, `${where}.port`, Number.isInteger(l.port) && l.port >= 9092, 'must be an integer >= 9092');
      need(errors, `${where}.type`, ['internal', 'route', 'loadbalancer', 'nodeport', 'ingress', 'cluster-ip'].includes(l.type), 'is not a listener type');
      need(errors, `${where}.tls`, typeof l.tls === 'boolean', 'is required (boolean)');
      if (l.authentication !== undefined) {
        need(errors, `${where}.authentication.type`, ['tls', 'scram-sha-512', 'oauth', 'custom'].includes(l.authentication.type), 'is not an authentication type');
      }
    }
    const nodePools = obj.metadata?.annotations?.['strimzi.io/node-pools'] === 'enabled';
    need(errors, 'metadata.annotations', nodePools || isObj(k.storage), 'must enable node pools (strimzi.io/node-pools) or spec.kafka.storage');
  },
  KafkaNodePool(obj, errors) {
    const s = obj.spec ?? {};
    fields(errors, 'spec', s, ['replicas', 'roles', 'storage', 'resources', 'jvmOptions', 'template']);
    need(errors, 'metadata.labels', isStr(obj.metadata?.labels?.['strimzi.io/cluster']), 'must name the cluster (strimzi.io/cluster)');
    need(errors, 'spec.replicas', Number.isInteger(s.replicas) && s.replicas >= 0, 'is required (integer)');
    need(errors, 'spec.roles', Array.isArray(s.roles) && s.roles.length > 0 && s.roles.every((r) => ['controller', 'broker'].includes(r)), 'must list controller and/or broker');
    need(errors, 'spec.storage.type', ['ephemeral', 'persistent-claim', 'jbod'].includes(s.storage?.type), 'is required');
  },
  KafkaTopic(obj, errors) {
    const s = obj.spec ?? {};
    fields(errors, 'spec', s, ['topicName', 'partitions', 'replicas', 'config']);
    need(errors, 'metadata.labels', isStr(obj.metadata?.labels?.['strimzi.io/cluster']), 'must name the cluster (strimzi.io/cluster)');
    need(errors, 'spec.partitions', isInt(s.partitions), 'must be a positive integer');
    need(errors, 'spec.replicas', isInt(s.replicas) && s.replicas <= 32767, 'must be a positive integer');
    if (s.config !== undefined) need(errors, 'spec.config', isObj(s.config), 'must be an object');
  },
  KafkaUser(obj, errors) {
    const s = obj.spec ?? {};
    fields(errors, 'spec', s, ['authentication', 'authorization', 'quotas', 'template']);
    need(errors, 'metadata.labels', isStr(obj.metadata?.labels?.['strimzi.io/cluster']), 'must name the cluster (strimzi.io/cluster)');
    need(errors, 'spec.authentication.type', ['tls', 'tls-external', 'scram-sha-512'].includes(s.authentication?.type), 'is required');
    if (s.authorization !== undefined) {
      need(errors, 'spec.authorization.type', s.authorization.type === 'simple', 'must be simple');
      for (const [i, acl] of (s.authorization.acls ?? []).entries()) {
        const where = `spec.authorization.acls[${i}]`;
        need(errors, `${where}.resource.type`, ['topic', 'group', 'cluster', 'transactionalId'].includes(acl.resource?.type), 'is required');
        need(errors, `${where}.operations`, Array.isArray(acl.operations) && acl.operations.length > 0, 'is required');
      }
    }
  },
};

const cnpg = {
  Cluster(obj, errors) {
    const s = obj.spec ?? {};
    fields(errors, 'spec', s, ['instances', 'imageName', 'bootstrap', 'storage', 'resources', 'postgresql', 'backup', 'monitoring', 'affinity']);
    need(errors, 'spec.instances', isInt(s.instances), 'is required (positive integer)');
    need(errors, 'spec.storage.size', isStr(s.storage?.size) && /^[0-9]+(Mi|Gi|Ti)$/.test(s.storage.size), 'is required (a quantity)');
    if (s.bootstrap?.initdb !== undefined) {
      fields(errors, 'spec.bootstrap.initdb', s.bootstrap.initdb, ['database', 'owner', 'secret', 'encoding', 'localeCollate', 'localeCType']);
      need(errors, 'spec.bootstrap.initdb.database', isStr(s.bootstrap.initdb.database), 'is required with owner');
      need(errors, 'spec.bootstrap.initdb.owner', isStr(s.bootstrap.initdb.owner), 'is required with database');
    }
  },
};

export function checkShape(group, version, obj) {
  const table = group === 'kafka.strimzi.io' && version === 'v1beta2' ? strimzi
    : group === 'postgresql.cnpg.io' && version === 'v1' ? cnpg : undefined;
  if (table === undefined) return undefined;
  const check = table[obj.kind];
  if (check === undefined) return [`no shape check for ${obj.apiVersion} ${obj.kind}`];
  const errors = [];
  topLevel(errors, obj);
  check(obj, errors);
  return errors;
}
