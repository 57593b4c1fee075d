// The one place that decides what a portal user may see and do; the rules are
// in ACCESS.md. Everything that reaches records does so through rowScope, so
// lists, details, counts, notes and downloads cannot disagree. Its parts:
// scope.ts (which records U reaches), rules.ts (actions and field masks, no
// database), reads.ts and conversation.ts (reads through the scope), explain.ts.

export { attachmentInScope, type Conversation, type ConversationFile, type ConversationNote, conversationInScope } from './conversation.js';
export { type ExplainReason, type Explanation, explainAccess } from './explain.js';
export {
  COUNT_CAP,
  cappedCountInScope,
  countAndValuesInScope,
  countInScope,
  findInScope,
  listInScope,
  pageInScope,
  type ScopeCursor,
  type ScopeField,
  type ScopeQuery,
} from './reads.js';
export {
  type Actions,
  allowedActions,
  checkWrite,
  type FieldMask,
  fieldMask,
  layoutsShowing,
  maskRecordData,
  visibleTabs,
  type WriteCheck,
} from './rules.js';
export { type ForcedLookup, forcedLookup, rowScope, typeScope, usersReaching } from './scope.js';
