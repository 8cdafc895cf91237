// SPDX-License-Identifier: MIT
// The Open311 answers in their two formats: a cJSON tree written as JSON, or
// as the GeoReport v2 XML with libxml2's xmlwriter (escaping is the writer's),
// and the specification's error lists.
#include "api_open311.h"

#include "arena.h"
#include "request.h"

#include <libxml/xmlwriter.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

// The element name of one item of an array named plural.
static const char *singular(const char *plural)
{
    static const char *const NAMES[][2] = {
        {"services", "service"}, {"service_requests", "request"},
        {"errors", "error"},     {"attributes", "attribute"},
        {"values", "value"},     {"endpoints", "endpoint"},
        {"formats", "format"},   {"keywords", "keyword"},
    };
    for (size_t i = 0; i < sizeof NAMES / sizeof NAMES[0]; i++)
        if (strcmp(NAMES[i][0], plural) == 0)
            return NAMES[i][1];
    return "item";
}

// Writes one value as the element name. Returns false when the writer failed.
static bool write_value(xmlTextWriterPtr writer, const char *name, const cJSON *value)
{
    const xmlChar *element = (const xmlChar *)name;
    if (xmlTextWriterStartElement(writer, element) < 0)
        return false;
    int rc = 0;
    if (cJSON_IsObject(value)) {
        const cJSON *child;
        cJSON_ArrayForEach(child, value)
        {
            if (!write_value(writer, child->string, child))
                return false;
        }
    } else if (cJSON_IsArray(value)) {
        const char *item_name = singular(name);
        const cJSON *item;
        cJSON_ArrayForEach(item, value)
        {
            if (!write_value(writer, item_name, item))
                return false;
        }
    } else if (cJSON_IsString(value)) {
        rc = xmlTextWriterWriteString(writer, (const xmlChar *)value->valuestring);
    } else if (cJSON_IsBool(value)) {
        rc = xmlTextWriterWriteString(writer,
                                      (const xmlChar *)(cJSON_IsTrue(value) ? "true" : "false"));
    } else if (cJSON_IsNumber(value)) {
        char number[32]; // as JSON writes it: 21.6605, 404
        snprintf(number, sizeof number, "%.15g", value->valuedouble);
        rc = xmlTextWriterWriteString(writer, (const xmlChar *)number);
    }
    return rc >= 0 && xmlTextWriterEndElement(writer) >= 0;
}

// The XML text of body under root, in arena memory; NULL when out of memory.
static char *xml_text(struct request *req, const cJSON *body, const char *root, size_t *len)
{
    xmlBufferPtr buffer = xmlBufferCreate();
    xmlTextWriterPtr writer = buffer ? xmlNewTextWriterMemory(buffer, 0) : NULL;
    char *out = NULL;
    if (writer != NULL && xmlTextWriterStartDocument(writer, "1.0", "UTF-8", NULL) >= 0 &&
        write_value(writer, root, body) && xmlTextWriterEndDocument(writer) >= 0) {
        xmlFreeTextWriter(writer); // flushes into the buffer
        writer = NULL;
        *len = (size_t)xmlBufferLength(buffer);
        out = arena_alloc(req->arena, *len + 1);
        if (out != NULL)
            memcpy(out, xmlBufferContent(buffer), *len);
    }
    if (writer != NULL)
        xmlFreeTextWriter(writer);
    if (buffer != NULL)
        xmlBufferFree(buffer);
    return out;
}

// Writes tree (which the request takes; owning it twice is harmless) in format.
// Returns status.
static int send_tree(struct request *req, enum open311_format format, int status, cJSON *tree,
                     const char *root)
{
    size_t len = 0;
    char *text = NULL;
    if (format == OPEN311_JSON) {
        text = request_json_text(req, tree); // takes the tree
        len = text ? strlen(text) : 0;
    } else if (request_own_json(req, tree) != NULL) {
        text = xml_text(req, tree, root, &len);
    }
    if (text == NULL)
        return request_reply_bytes(req, 500, "text/plain", "out of memory", 13);
    return request_reply_bytes(req, status,
                               format == OPEN311_JSON ? "application/json; charset=utf-8"
                                                      : "text/xml; charset=utf-8",
                               text, len);
}

int api_open311_reply(struct request *req, enum open311_format format, int status, cJSON *body,
                      const char *root, const char *cache_control)
{
    if (body == NULL)
        return api_open311_error(req, format, 500, "out of memory");
    request_add_header(req, "Cache-Control", cache_control);
    return send_tree(req, format, status, body, root);
}

int api_open311_error(struct request *req, enum open311_format format, int status,
                      const char *format_text, ...)
{
    char description[300];
    va_list args;
    va_start(args, format_text);
    vsnprintf(description, sizeof description, format_text, args);
    va_end(args);
    cJSON *errors = cJSON_CreateArray();
    cJSON *error = cJSON_CreateObject();
    cJSON_AddItemToArray(errors, error);
    cJSON_AddNumberToObject(error, "code", status);
    cJSON_AddStringToObject(error, "description", description);
    request_add_header(req, "Cache-Control", "no-store");
    return send_tree(req, format, status, errors, "errors");
}
