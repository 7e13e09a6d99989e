// The built-in events as methods of one configured engine: each method records its spec.

import type { ResolvedConfig } from './config.js';
import * as spec from './builtin.js';
import { Recorder } from './recorder.js';
import type {
  BusinessEvents,
  LeadConvertedInput,
  LeadCreatedInput,
  OperationFailedInput,
  OpportunityClosedInput,
  OpportunityCreatedInput,
  OpportunityStageChangedInput,
  PermissionDeniedInput,
  RecordDeletedInput,
  RecordExportedInput,
  SettingsChangedInput,
  SignInFailedInput,
  SignInSucceededInput,
  SyncCompletedInput,
} from './types.js';

export class BusinessEventsImpl implements BusinessEvents {
  readonly recorder: Recorder;

  constructor(config: ResolvedConfig) {
    this.recorder = new Recorder(config);
  }

  leadCreated(input: LeadCreatedInput): void {
    this.recorder.record(spec.LEAD_CREATED, input);
  }
  leadConverted(input: LeadConvertedInput): void {
    this.recorder.record(spec.LEAD_CONVERTED, input);
  }
  opportunityCreated(input: OpportunityCreatedInput): void {
    this.recorder.record(spec.OPPORTUNITY_CREATED, input);
  }
  opportunityStageChanged(input: OpportunityStageChangedInput): void {
    this.recorder.record(spec.OPPORTUNITY_STAGE_CHANGED, input);
  }
  opportunityClosed(input: OpportunityClosedInput): void {
    this.recorder.record(spec.OPPORTUNITY_CLOSED, input);
  }
  syncCompleted(input: SyncCompletedInput): void {
    this.recorder.record(spec.SYNC_COMPLETED, input);
  }
  operationFailed(input: OperationFailedInput): void {
    this.recorder.record(spec.OPERATION_FAILED, input);
  }
  signInSucceeded(input: SignInSucceededInput): void {
    this.recorder.record(spec.SIGN_IN_SUCCEEDED, input);
  }
  signInFailed(input: SignInFailedInput): void {
    this.recorder.record(spec.SIGN_IN_FAILED, input);
  }
  permissionDenied(input: PermissionDeniedInput): void {
    this.recorder.record(spec.PERMISSION_DENIED, input);
  }
  recordExported(input: RecordExportedInput): void {
    this.recorder.record(spec.RECORD_EXPORTED, input);
  }
  recordDeleted(input: RecordDeletedInput): void {
    this.recorder.record(spec.RECORD_DELETED, input);
  }
  settingsChanged(input: SettingsChangedInput): void {
    this.recorder.record(spec.SETTINGS_CHANGED, input);
  }
}
