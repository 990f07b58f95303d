/* What the JSON files share: the jansson wrapper. This header is the only
 * place that includes <jansson.h>, and only json_write.c, json_load.c,
 * gbench.c and format_ci.c include this header; every other file sees runs and
 * plain C strings through json.h. One library, one wrapper: a header rather
 * than one .c file, so that the writer, the loader of microbe's own documents
 * and the Google Benchmark importer can each be a file of its own. */
#ifndef MB_JSON_IMPL_H
#define MB_JSON_IMPL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "json.h"

/* ---- Writing (json_write.c) ---------------------------------------------- */

/* %.17g is enough digits for any double to read back to the same bits. */
#define JW_DUMP_FLAGS    (JSON_INDENT(2) | JSON_REAL_PRECISION(17))
#define JW_COMPACT_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(17))

/* x as a JSON number: an integer when integral and |x| <= 2^53, else a
 * real; NaN and infinities as null. NULL on no memory. */
json_t *jw_num(double x);
/* s as a JSON string, each byte that is not part of valid UTF-8 replaced
 * by '?'; null when s is NULL. NULL on no memory. */
json_t *jw_str(const char *s);
/* json_object_set_new / json_array_append_new that remember a failure in
 * *ok (val may be NULL: a failed constructor); val is always consumed. */
void jw_put(json_t *obj, const char *key, json_t *val, bool *ok);
void jw_push(json_t *arr, json_t *val, bool *ok);
/* Serialises root (consumed) with flags; NULL when root is NULL or on no
 * memory. *len (when not NULL) gets the length. */
char *jw_dump(json_t *root, size_t flags, size_t *len);

/* ---- Reading (json_load.c) ----------------------------------------------- */

/* The loader's state: the input's name, for error messages, and the first
 * error. */
typedef struct json_ld {
    const char *src;
    char *err;
    size_t errlen;
    mb_status st;
} json_ld;

/* Records st and "SRC: message" in the error buffer; returns false. */
bool jl_fail(json_ld *l, mb_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
bool jl_nomem(json_ld *l);

enum jl_kind { K_STR, K_NUM, K_NUMN, K_INT, K_BOOL, K_ARR, K_OBJ };
bool jl_is_kind(const json_t *v, enum jl_kind k);
/* The member key of obj, which must be of kind k; where names obj. NULL
 * (with the error set) when absent and required or of the wrong kind. An
 * optional key that is absent gives NULL with l->st still MB_OK. */
json_t *jl_get(json_ld *l, const json_t *obj, const char *where,
               const char *key, enum jl_kind k, bool required);
/* A copy of string s in *dst; false (no memory) on failure. */
bool jl_dupstr(json_ld *l, char **dst, const json_t *s);

/* A number that a measured quantity can take: finite, and > 0 (positive)
 * or >= 0. On anything else (null, NaN, a string, missing, out of range)
 * false with one line naming where and field. */
bool jl_measure(json_ld *l, const json_t *v, const char *where,
                const char *field, bool positive, double *x);

/* ---- Google Benchmark input (gbench.c) ----------------------------------- */

/* Loads the "benchmarks" array of a Google Benchmark document into run
 * (see json_load_run in json.h). False with the error set on failure. */
bool gbench_load(json_ld *l, const json_t *benches, mb_run *run);

#endif
