/* Decoding what the server sends: Status objects, result codes, watch
 * events, the line framing of watch streams, and timestamps. */
#include "testutil.h"

#include <jansson.h>

#include "controller/kube/kube_client.h"
#include "controller/kube/kube_error.h"
#include "controller/kube/kube_lines.h"
#include "controller/kube/kube_time.h"

static const char *invalid_status =
    "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
    "\"message\":\"Sandbox.agents.x-k8s.io \\\"sb\\\" is invalid: spec.podTemplate: Required value\","
    "\"reason\":\"Invalid\",\"details\":{\"name\":\"sb\",\"group\":\"agents.x-k8s.io\",\"kind\":\"Sandbox\","
    "\"causes\":[{\"reason\":\"FieldValueRequired\",\"message\":\"Required value\",\"field\":\"spec.podTemplate\"},"
    "{\"reason\":\"FieldValueInvalid\",\"message\":\"bad\"},7]},\"code\":422}";

START_TEST(status_with_causes)
{
    wp_kube_status s;
    ck_assert(wp_kube_status_parse(invalid_status, strlen(invalid_status), &s));
    ck_assert_int_eq(s.code, 422);
    ck_assert_str_eq(s.status, "Failure");
    ck_assert_str_eq(s.reason, "Invalid");
    ck_assert_str_eq(s.message, "Sandbox.agents.x-k8s.io \"sb\" is invalid: spec.podTemplate: Required value");
    ck_assert_str_eq(s.details_name, "sb");
    ck_assert_str_eq(s.details_kind, "Sandbox");
    ck_assert_uint_eq(s.n_causes, 2); /* the non-object cause is skipped */
    ck_assert_str_eq(s.causes[0].type, "FieldValueRequired");
    ck_assert_str_eq(s.causes[0].field, "spec.podTemplate");
    ck_assert_str_eq(s.causes[0].message, "Required value");
    ck_assert_ptr_null(s.causes[1].field);
    ck_assert_int_eq(s.retry_after_seconds, 0);
    wp_kube_status_clear(&s);
    ck_assert_ptr_null(s.reason);
}
END_TEST

START_TEST(status_rejects_other_documents_and_bad_types)
{
    wp_kube_status s;
    ck_assert(!wp_kube_status_parse("{\"kind\":\"Pod\"}", 14, &s));
    ck_assert(!wp_kube_status_parse("<html>502 Bad Gateway</html>", 28, &s));
    ck_assert(!wp_kube_status_parse("", 0, &s));
    ck_assert(!wp_kube_status_parse(NULL, 0, &s));
    ck_assert(!wp_kube_status_parse("[1,2]", 5, &s));
    const char *odd = "{\"kind\":\"Status\",\"code\":\"409\",\"reason\":5,\"message\":null,"
                      "\"details\":{\"retryAfterSeconds\":3,\"causes\":{}}}";
    ck_assert(wp_kube_status_parse(odd, strlen(odd), &s));
    ck_assert_int_eq(s.code, 0);
    ck_assert_ptr_null(s.reason);
    ck_assert_ptr_null(s.message);
    ck_assert_int_eq(s.retry_after_seconds, 3);
    ck_assert_uint_eq(s.n_causes, 0);
    wp_kube_status_clear(&s);
}
END_TEST

START_TEST(result_codes_from_http)
{
    ck_assert_int_eq(wp_kube_rc_from_http(200, NULL), WP_KUBE_OK);
    ck_assert_int_eq(wp_kube_rc_from_http(201, NULL), WP_KUBE_OK);
    ck_assert_int_eq(wp_kube_rc_from_http(409, "Conflict"), WP_KUBE_ECONFLICT);
    ck_assert_int_eq(wp_kube_rc_from_http(409, NULL), WP_KUBE_ECONFLICT);
    ck_assert_int_eq(wp_kube_rc_from_http(409, "AlreadyExists"), WP_KUBE_EEXISTS);
    ck_assert_int_eq(wp_kube_rc_from_http(410, "Expired"), WP_KUBE_EGONE);
    ck_assert_int_eq(wp_kube_rc_from_http(404, "NotFound"), WP_KUBE_ENOTFOUND);
    ck_assert_int_eq(wp_kube_rc_from_http(422, "Invalid"), WP_KUBE_EINVALID);
    ck_assert_int_eq(wp_kube_rc_from_http(429, NULL), WP_KUBE_ETOOMANY);
    ck_assert_int_eq(wp_kube_rc_from_http(503, NULL), WP_KUBE_ESERVER);
    ck_assert_int_eq(wp_kube_rc_from_http(401, NULL), WP_KUBE_EUNAUTHORIZED);
    ck_assert_int_eq(wp_kube_rc_from_http(403, NULL), WP_KUBE_EFORBIDDEN);
    ck_assert_int_eq(wp_kube_rc_from_http(400, NULL), WP_KUBE_EBADREQUEST);
    ck_assert_int_eq(wp_kube_rc_from_http(0, "Expired"), WP_KUBE_EGONE);
    ck_assert_int_eq(wp_kube_rc_from_http(302, NULL), WP_KUBE_EHTTP);
    ck_assert_str_eq(wp_kube_rc_name(WP_KUBE_ECONFLICT), "ECONFLICT");
    ck_assert_str_eq(wp_kube_rc_name(WP_KUBE_EHTTP), "EHTTP");
    ck_assert_str_eq(wp_kube_rc_name((wp_kube_rc)99), "E?");

    wp_kube_error e = WP_KUBE_ERROR_INIT;
    ck_assert_int_eq(wp_kube_error_set(&e, WP_KUBE_EINVAL, "bad %s", "thing"), WP_KUBE_EINVAL);
    ck_assert_str_eq(e.message, "bad thing");
    wp_kube_error_clear(&e);
    ck_assert_int_eq(e.rc, WP_KUBE_OK);
}
END_TEST

START_TEST(watch_events_decode)
{
    const char *line = "{\"type\":\"MODIFIED\",\"object\":{\"kind\":\"Pod\",\"metadata\":{\"name\":\"a\","
                       "\"resourceVersion\":\"12\"}}}";
    wp_kube_watch_event ev;
    char err[200];
    ck_assert_int_eq(wp_kube_watch_event_decode(line, strlen(line), &ev, err, sizeof err), 0);
    ck_assert_int_eq(ev.type, WP_KUBE_MODIFIED);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(ev.object, "metadata"), "resourceVersion")),
                     "12");
    json_decref(ev.object);

    wp_kube_jevent jev;
    wp_jdoc *doc;
    ck_assert_int_eq(wp_kube_watch_event_decode_jdoc(line, strlen(line), &doc, &jev, err, sizeof err), 0);
    ck_assert_int_eq(jev.type, WP_KUBE_MODIFIED);
    ck_assert_str_eq(wp_jval_str(wp_jval_path(jev.object, "metadata", "name", NULL)), "a");
    wp_jdoc_free(doc);

    const char *bookmark = "{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"Pod\",\"metadata\":{\"resourceVersion\":\"99\"}}}";
    ck_assert_int_eq(wp_kube_watch_event_decode(bookmark, strlen(bookmark), &ev, err, sizeof err), 0);
    ck_assert_int_eq(ev.type, WP_KUBE_BOOKMARK);
    ck_assert_str_eq(wp_kube_event_type_name(ev.type), "BOOKMARK");
    json_decref(ev.object);
}
END_TEST

static void expect_bad_event(const char *line, const char *why)
{
    wp_kube_watch_event ev;
    wp_kube_jevent jev;
    wp_jdoc *doc;
    char err[200];
    ck_assert_int_eq(wp_kube_watch_event_decode(line, strlen(line), &ev, err, sizeof err), -1);
    ck_assert_ptr_null(ev.object);
    if (why) ck_assert_str_eq(err, why);
    ck_assert_int_eq(wp_kube_watch_event_decode_jdoc(line, strlen(line), &doc, &jev, err, sizeof err), -1);
    ck_assert_ptr_null(doc);
    if (why) ck_assert_str_eq(err, why);
}

START_TEST(bad_watch_events_are_rejected_by_both_decoders)
{
    expect_bad_event("garbage", NULL);
    expect_bad_event("{\"type\":\"ADDED\"}", "ADDED event without an object");
    expect_bad_event("{\"type\":\"ADDED\",\"object\":[1]}", "ADDED event without an object");
    expect_bad_event("{\"object\":{}}", "not a watch event (no type)");
    expect_bad_event("[1,2]", "not a watch event (no type)");
    expect_bad_event("{\"type\":\"EXPLODED\",\"object\":{}}", "unknown event type \"EXPLODED\"");
    expect_bad_event("{\"type\":\"ADDED\",\"object\":{}", NULL);
}
END_TEST

typedef struct {
    char lines[8][64];
    int n;
    int stop_at;
} collected;

static int collect(void *ctx, const char *line, size_t len)
{
    collected *c = ctx;
    ck_assert_int_lt(c->n, 8);
    snprintf(c->lines[c->n], sizeof c->lines[0], "%.*s", (int)len, line);
    c->n++;
    return c->n == c->stop_at ? 7 : 0;
}

START_TEST(lines_split_across_chunks)
{
    collected c = {.stop_at = -1};
    wp_kube_lines ls;
    wp_kube_lines_init(&ls, 32, collect, &c);
    const char *chunks[] = {"{\"a\":", "1}\n{\"b\"", ":2}\n\n{\"c\":3}\r\n{\"d\"", ":4}"};
    for (size_t i = 0; i < 4; i++) ck_assert_int_eq(wp_kube_lines_feed(&ls, chunks[i], strlen(chunks[i])), 0);
    ck_assert_int_eq(c.n, 3);
    ck_assert_str_eq(c.lines[0], "{\"a\":1}");
    ck_assert_str_eq(c.lines[1], "{\"b\":2}");
    ck_assert_str_eq(c.lines[2], "{\"c\":3}");
    ck_assert_uint_eq(wp_kube_lines_pending(&ls), 7);
    ck_assert_int_eq(wp_kube_lines_finish(&ls), 0); /* unterminated last line */
    ck_assert_int_eq(c.n, 4);
    ck_assert_str_eq(c.lines[3], "{\"d\":4}");
    wp_kube_lines_free(&ls);
}
END_TEST

START_TEST(lines_limit_and_stop)
{
    collected c = {.stop_at = 2};
    wp_kube_lines ls;
    wp_kube_lines_init(&ls, 8, collect, &c);
    ck_assert_int_eq(wp_kube_lines_feed(&ls, "a\nb\nc\n", 6), 7); /* the callback's value */
    ck_assert_int_eq(c.n, 2);
    wp_kube_lines_free(&ls);

    c = (collected){.stop_at = -1};
    wp_kube_lines_init(&ls, 8, collect, &c);
    ck_assert_int_eq(wp_kube_lines_feed(&ls, "12345678\n", 9), 0); /* exactly the limit */
    ck_assert_int_eq(wp_kube_lines_feed(&ls, "12345", 5), 0);
    ck_assert_int_eq(wp_kube_lines_feed(&ls, "67890", 5), WP_KUBE_LINES_TOO_LONG); /* grows past it unterminated */
    wp_kube_lines_free(&ls);
    wp_kube_lines_init(&ls, 8, collect, &c);
    ck_assert_int_eq(wp_kube_lines_feed(&ls, "123456789\n", 10), WP_KUBE_LINES_TOO_LONG); /* in one chunk */
    wp_kube_lines_free(&ls);
}
END_TEST

START_TEST(timestamps)
{
    char buf[WP_KUBE_TIME_LEN];
    wp_kube_time_format(1714557600.75, buf);
    ck_assert_str_eq(buf, "2024-05-01T10:00:00Z");
    wp_kube_time_format_micro(1714557600.123456, buf);
    ck_assert_str_eq(buf, "2024-05-01T10:00:00.123456Z");
    double t;
    ck_assert(wp_kube_time_parse("2024-05-01T10:00:00Z", &t));
    ck_assert(t == 1714557600.0);
    ck_assert(wp_kube_time_parse("2024-05-01T12:00:00.5+02:00", &t));
    ck_assert(t == 1714557600.5);
    ck_assert(wp_kube_time_parse("2024-05-01T09:30:00-00:30", &t));
    ck_assert(t == 1714557600.0);
    ck_assert(wp_kube_time_parse("2024-05-01T10:00:00.123456Z", &t));
    ck_assert(t > 1714557600.1234 && t < 1714557600.1235);
    ck_assert(!wp_kube_time_parse("2024-05-01 10:00:00Z", &t));
    ck_assert(!wp_kube_time_parse("2024-05-01T10:00:00", &t));
    ck_assert(!wp_kube_time_parse("2024-13-01T10:00:00Z", &t));
    ck_assert(!wp_kube_time_parse("2024-05-01T10:00:00.Z", &t));
    ck_assert(!wp_kube_time_parse("2024-05-01T10:00:00Zjunk", &t));
    ck_assert(!wp_kube_time_parse("2024-05-01t10:00:00Z", &t)); /* Go: the T is literal */
    ck_assert(!wp_kube_time_parse(NULL, &t));
    double a = wp_kube_monotonic();
    wp_kube_sleep(0.02);
    ck_assert(wp_kube_monotonic() - a >= 0.02);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("codec");
    TCase *tc = tcase_create("decode");
    tcase_add_test(tc, status_with_causes);
    tcase_add_test(tc, status_rejects_other_documents_and_bad_types);
    tcase_add_test(tc, result_codes_from_http);
    tcase_add_test(tc, watch_events_decode);
    tcase_add_test(tc, bad_watch_events_are_rejected_by_both_decoders);
    tcase_add_test(tc, lines_split_across_chunks);
    tcase_add_test(tc, lines_limit_and_stop);
    tcase_add_test(tc, timestamps);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
