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

/** The signed-in user (GET /v1/auth/me). Fields beyond email are optional: the server may add more. */
export interface Me {
  email?: string;
  name?: string;
  userId?: string;
  id?: string;
  roles?: string[];
  role?: string;
  teams?: string[];
  [key: string]: unknown;
}

export interface AuthProvider {
  type?: string;
  id?: string;
  name?: string;
  loginUrl?: string;
  [key: string]: unknown;
}
