// service.name, service.version, deployment.environment.name and the local detectors.
// Cloud detectors (they make metadata calls) run only when OTEL_NODE_RESOURCE_DETECTORS names them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  detectResources,
  hostDetector,
  osDetector,
  processDetector,
  resourceFromAttributes,
  serviceInstanceIdDetector,
  type Resource,
  type ResourceDetector,
} from '@opentelemetry/resources';
import { findAppRoot } from './app-root';
import { requireFromAutoInstrumentations } from './auto-require';
import type { Config } from './config';

interface AppPackage {
  name?: string;
  version?: string;
}

/** The package.json nearest to the app's entry script (or the working directory). */
export function findAppPackage(entry = process.argv[1]): AppPackage {
  const root = findAppRoot(entry);
  if (root === undefined) return {};
  try {
    return JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as AppPackage;
  } catch {
    return {};
  }
}

type DetectorModule = Record<string, ResourceDetector>;

// The command line can carry secrets (tokens passed as arguments, `node -e` scripts):
// keep the executable and pid, never the arguments.
const processWithoutArgs: ResourceDetector = {
  detect(config) {
    const detected = processDetector.detect(config);
    const attributes = { ...detected.attributes };
    delete attributes['process.command_args'];
    delete attributes['process.command_line'];
    return { ...detected, attributes };
  },
};

function cloudDetectors(name: string): ResourceDetector[] {
  const pick = (pkg: string, names: string[]): ResourceDetector[] => {
    const mod = requireFromAutoInstrumentations<DetectorModule>(pkg);
    return names.map((n) => mod[n]).filter((d): d is ResourceDetector => d !== undefined);
  };
  switch (name) {
    case 'aws':
      return pick('@opentelemetry/resource-detector-aws', ['awsEc2Detector', 'awsEcsDetector', 'awsEksDetector', 'awsBeanstalkDetector', 'awsLambdaDetector']);
    case 'gcp':
      return pick('@opentelemetry/resource-detector-gcp', ['gcpDetector']);
    case 'azure':
      return pick('@opentelemetry/resource-detector-azure', ['azureVmDetector', 'azureAppServiceDetector', 'azureFunctionsDetector', 'azureAksDetector', 'azureContainerAppsDetector']);
    case 'alibaba':
      return pick('@opentelemetry/resource-detector-alibaba-cloud', ['alibabaCloudEcsDetector']);
    default:
      return [];
  }
}

function detector(name: string, config: Config): ResourceDetector[] {
  switch (name) {
    case 'env':
      // OTEL_RESOURCE_ATTRIBUTES as config.ts parsed it (bad entries dropped, not the whole variable);
      // OTEL_SERVICE_NAME is applied last, in buildResource.
      return [{ detect: () => ({ attributes: config.resourceAttributes }) }];
    case 'host':
      return [hostDetector];
    case 'os':
      return [osDetector];
    case 'process':
      return [processWithoutArgs];
    case 'serviceinstance':
      return [serviceInstanceIdDetector];
    case 'container':
      return [requireFromAutoInstrumentations<DetectorModule>('@opentelemetry/resource-detector-container')['containerDetector']].filter(
        (d): d is ResourceDetector => d !== undefined,
      );
    default:
      return cloudDetectors(name);
  }
}

export function buildResource(config: Config, env: NodeJS.ProcessEnv = process.env): { resource: Resource; serviceName: string } {
  const app = findAppPackage();
  // Defaults first: OTEL_RESOURCE_ATTRIBUTES (env detector) and OTEL_SERVICE_NAME win over them.
  const defaults: Record<string, string> = {
    'service.name': app.name ?? 'unknown_service:node',
    'deployment.environment.name': env['NODE_ENV'] ?? 'development',
  };
  if (app.version) defaults['service.version'] = app.version;
  // Later detectors win: OTEL_RESOURCE_ATTRIBUTES (env) goes last so that what the user sets,
  // e.g. service.instance.id, is never replaced by a detected value.
  const names = [...config.resourceDetectors.filter((d) => d !== 'env'), ...config.resourceDetectors.filter((d) => d === 'env')];
  const detected = detectResources({ detectors: names.flatMap((name) => detector(name, config)) });
  const named = config.serviceName ? resourceFromAttributes({ 'service.name': config.serviceName }) : undefined;
  const merged = resourceFromAttributes(defaults).merge(detected);
  const fromEnv = names.includes('env') ? config.resourceAttributes['service.name'] : undefined;
  const serviceName = config.serviceName ?? fromEnv ?? defaults['service.name']!;
  return { resource: named ? merged.merge(named) : merged, serviceName };
}
