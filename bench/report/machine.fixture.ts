import { Machine } from './machine';

/** A machine for the report tests. */
export const TEST_MACHINE: Machine = {
  cores: 2,
  cpuModel: 'Test CPU',
  memoryGiB: 8,
  os: 'Linux 6',
  node: 'v20.20.2',
  keycloak: '26.5.6',
  loadAverageAtStart: 0.5,
};
