/* Self-managed certificate material (webhook/selfcert_material.h): what is
 * generated, how it round-trips through a Secret's data, when it is stale,
 * and what a renewal keeps. */
#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/base64.h"
#include "webhook/selfcert_material.h"

#define DAY 86400

static const char *const hosts[] = {"warmpool-webhook.ns.svc", "127.0.0.1"};
static const wp_selfcert_spec spec = {hosts, 2, 30, 300};

static wp_selfcert_material *make(const wp_selfcert_material *prev, bool new_ca)
{
    char err[256] = "";
    wp_selfcert_material *m = wp_selfcert_material_make(&spec, prev, new_ca, err, sizeof err);
    ck_assert_msg(m != NULL, "%s", err);
    return m;
}

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle)) n++;
    return n;
}

START_TEST(fresh_material_round_trips_through_secret_data)
{
    wp_selfcert_material *m = make(NULL, false);
    json_t *data = wp_selfcert_material_to_data(m);
    ck_assert_int_eq(json_object_size(data), 4);
    char err[256] = "";
    wp_selfcert_material *back = wp_selfcert_material_from_data(data, err, sizeof err);
    ck_assert_msg(back != NULL, "%s", err);
    ck_assert_str_eq(back->ca_pem, m->ca_pem);
    ck_assert_str_eq(back->leaf_pem, m->leaf_pem);
    ck_assert_str_eq(back->leaf_key_pem, m->leaf_key_pem);
    ck_assert_int_eq(count(m->ca_pem, "BEGIN CERTIFICATE"), 1);
    bool new_ca = true;
    ck_assert_ptr_null(wp_selfcert_material_stale(back, &spec, time(NULL), &new_ca));
    ck_assert(!new_ca);
    wp_selfcert_material_free(back);
    wp_selfcert_material_free(m);
    json_decref(data);
}
END_TEST

START_TEST(serving_certificate_is_stale_with_a_third_left_and_renewal_keeps_the_ca)
{
    wp_selfcert_material *m = make(NULL, false);
    bool new_ca = true;
    ck_assert_ptr_null(wp_selfcert_material_stale(m, &spec, time(NULL) + 19 * DAY, &new_ca));
    ck_assert_str_eq(wp_selfcert_material_stale(m, &spec, time(NULL) + 21 * DAY, &new_ca),
                     "the serving certificate has less than a third of its validity left");
    ck_assert(!new_ca);
    wp_selfcert_material *r = make(m, false);
    ck_assert_str_eq(r->ca_pem, m->ca_pem);
    ck_assert_str_ne(r->leaf_pem, m->leaf_pem);
    ck_assert_ptr_null(wp_selfcert_material_stale(r, &spec, time(NULL), &new_ca));
    wp_selfcert_material_free(r);
    wp_selfcert_material_free(m);
}
END_TEST

START_TEST(ca_near_its_end_is_rotated_with_the_old_one_kept_in_the_bundle)
{
    wp_selfcert_material *m = make(NULL, false);
    bool new_ca = false;
    ck_assert_str_eq(wp_selfcert_material_stale(m, &spec, time(NULL) + 201 * DAY, &new_ca),
                     "the CA has less than a third of its validity left");
    ck_assert(new_ca);
    wp_selfcert_material *r = make(m, true);
    ck_assert_int_eq(count(r->ca_pem, "BEGIN CERTIFICATE"), 2);
    ck_assert_ptr_nonnull(strstr(r->ca_pem, m->ca_pem)); /* old CA second */
    ck_assert(strncmp(r->ca_pem, m->ca_pem, strlen(m->ca_pem)) != 0);
    ck_assert_ptr_null(wp_selfcert_material_stale(r, &spec, time(NULL), &new_ca));
    wp_selfcert_material_free(r);
    wp_selfcert_material_free(m);
}
END_TEST

START_TEST(a_host_not_covered_or_a_foreign_ca_makes_it_stale)
{
    wp_selfcert_material *m = make(NULL, false);
    const char *more[] = {"warmpool-webhook.ns.svc", "127.0.0.1", "other.ns.svc"};
    wp_selfcert_spec wider = spec;
    wider.hosts = more;
    wider.n_hosts = 3;
    bool new_ca;
    ck_assert_str_eq(wp_selfcert_material_stale(m, &wider, time(NULL), &new_ca),
                     "the serving certificate does not cover every host");
    wp_selfcert_material *other = make(NULL, false);
    X509 *ca = m->ca;
    m->ca = other->ca; /* leaf no longer signed by this CA */
    ck_assert_str_eq(wp_selfcert_material_stale(m, &spec, time(NULL), &new_ca),
                     "the serving certificate was not issued by the CA");
    m->ca = ca;
    wp_selfcert_material_free(other);
    wp_selfcert_material_free(m);
}
END_TEST

START_TEST(bad_secret_data_is_refused_with_the_key_named)
{
    wp_selfcert_material *m = make(NULL, false);
    wp_selfcert_material *other = make(NULL, false);
    char err[256];
    json_t *data = wp_selfcert_material_to_data(m);
    json_object_del(data, "ca.key");
    ck_assert_ptr_null(wp_selfcert_material_from_data(data, err, sizeof err));
    ck_assert_str_eq(err, "data.ca.key missing or not base64");
    json_decref(data);

    data = wp_selfcert_material_to_data(m);
    json_object_set_new(data, "tls.crt", json_string("bm90IGEgY2VydA=="));
    ck_assert_ptr_null(wp_selfcert_material_from_data(data, err, sizeof err));
    ck_assert_str_eq(err, "data.tls.crt is not a PEM certificate");
    json_decref(data);

    data = wp_selfcert_material_to_data(m);
    char *foreign = wp_base64_encode_alloc(other->leaf_key_pem, strlen(other->leaf_key_pem));
    json_object_set_new(data, "tls.key", json_string(foreign));
    ck_assert_ptr_null(wp_selfcert_material_from_data(data, err, sizeof err));
    ck_assert_str_eq(err, "data.tls.key does not match data.tls.crt");
    free(foreign);
    json_decref(data);
    wp_selfcert_material_free(other);
    wp_selfcert_material_free(m);
}
END_TEST

START_TEST(no_host_is_an_error)
{
    wp_selfcert_spec none = spec;
    none.n_hosts = 0;
    char err[256];
    ck_assert_ptr_null(wp_selfcert_material_make(&none, NULL, false, err, sizeof err));
    ck_assert_str_eq(err, "no host name for the serving certificate");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("selfcert_material");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, fresh_material_round_trips_through_secret_data);
    tcase_add_test(tc, serving_certificate_is_stale_with_a_third_left_and_renewal_keeps_the_ca);
    tcase_add_test(tc, ca_near_its_end_is_rotated_with_the_old_one_kept_in_the_bundle);
    tcase_add_test(tc, a_host_not_covered_or_a_foreign_ca_makes_it_stale);
    tcase_add_test(tc, bad_secret_data_is_refused_with_the_key_named);
    tcase_add_test(tc, no_host_is_an_error);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
