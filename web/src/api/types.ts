// Types of the API's documents, from the generated OpenAPI types (npm run gen:api),
// plus the auth routes (docs/access.md) that the golden document may not list yet.
import type { components } from './schema';

type S = components['schemas'];

export type Blueprint = S['Blueprint'];
export type BlueprintProperty = S['Property'];
export type Relation = S['Relation'];
export type Entity = S['Entity'];
export type HistoryVersion = S['HistoryVersion'];
export type FieldChange = S['FieldChange'];
export type TextHit = S['TextHit'];
export type Impact = S['Impact'];
export type SearchSort = S['SearchSort'];
export type AggregateRequest = S['AggregateInputBody'];
export type AggregateResponse = S['AggregateOutputBody'];
export type ValueCount = S['ValueCount'];
export type AtriumEvent = S['Event'];

/** A rule tree (Port's entitiesQuery). */
export interface Rule {
  property?: string;
  operator?: string;
  value?: unknown;
  [key: string]: unknown;
}
export interface RuleTree {
  combinator: 'and' | 'or';
  rules: (Rule | RuleTree)[];
}

export interface SearchRequest {
  query?: RuleTree;
  limit?: number;
  from?: string;
  sort?: SearchSort[];
  include?: string[];
  exclude?: string[];
}

export interface SearchPage {
  ok: boolean;
  entities: Entity[];
  next?: string;
}

/** The signed-in user (GET /v1/auth/me, normalized by useMe). */
export interface Me {
  email: string;
  /** First and last name, when the user has them. */
  name?: string;
  /** Admin, Member, <blueprint>-moderator. */
  roles: string[];
  teams: string[];
  /** Authentication is off: everyone is the anonymous Admin. */
  anonymous: boolean;
}
