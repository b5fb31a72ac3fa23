/* Cancellation tokens. See kube_client.h ("cancellation").
 *
 * A token wakes two kinds of waiters: threads sleeping on its condition
 * variable (backoff sleeps) and transfers blocked in curl_multi_poll (which
 * curl_multi_wakeup interrupts from any thread). */
#include <curl/curl.h>
#include <pthread.h>
#include <stdlib.h>

#include "common/verdict.h"
#include "controller/kube/kube_time.h"
#include "controller/kube/kube_transport.h"

#define MAX_ATTACHED 16

struct wp_kube_cancel {
    pthread_mutex_t mu;
    pthread_cond_t cond; /* CLOCK_MONOTONIC */
    bool fired;
    CURLM *attached[MAX_ATTACHED];
};

wp_kube_cancel *wp_kube_cancel_new(void)
{
    wp_kube_cancel *t = wp_xalloc_check(calloc(1, sizeof *t));
    pthread_mutex_init(&t->mu, NULL);
    wp_kube_cond_init(&t->cond);
    return t;
}

void wp_kube_cancel_free(wp_kube_cancel *t)
{
    if (!t) return;
    pthread_cond_destroy(&t->cond);
    pthread_mutex_destroy(&t->mu);
    free(t);
}

void wp_kube_cancel_fire(wp_kube_cancel *t)
{
    pthread_mutex_lock(&t->mu);
    t->fired = true;
    for (int i = 0; i < MAX_ATTACHED; i++) {
        if (t->attached[i]) curl_multi_wakeup(t->attached[i]);
    }
    pthread_cond_broadcast(&t->cond);
    pthread_mutex_unlock(&t->mu);
}

bool wp_kube_cancel_fired(wp_kube_cancel *t)
{
    if (!t) return false;
    pthread_mutex_lock(&t->mu);
    bool fired = t->fired;
    pthread_mutex_unlock(&t->mu);
    return fired;
}

bool wp_kube_cancel_sleep(wp_kube_cancel *t, double seconds)
{
    if (!t) {
        wp_kube_sleep(seconds);
        return false;
    }
    double deadline = wp_kube_monotonic() + (seconds > 0 ? seconds : 0);
    pthread_mutex_lock(&t->mu);
    while (!t->fired && wp_kube_cond_wait_until(&t->cond, &t->mu, deadline)) {
    }
    bool fired = t->fired;
    pthread_mutex_unlock(&t->mu);
    return fired;
}

bool wp_kube_cancel_attach(wp_kube_cancel *t, CURLM *multi)
{
    pthread_mutex_lock(&t->mu);
    bool ok = !t->fired;
    if (ok) {
        int i = 0;
        while (i < MAX_ATTACHED && t->attached[i]) i++;
        /* more concurrent transfers than slots: they still stop, at the
         * next poll timeout, because the loop checks the flag */
        if (i < MAX_ATTACHED) t->attached[i] = multi;
    }
    pthread_mutex_unlock(&t->mu);
    return ok;
}

void wp_kube_cancel_detach(wp_kube_cancel *t, CURLM *multi)
{
    pthread_mutex_lock(&t->mu);
    for (int i = 0; i < MAX_ATTACHED; i++) {
        if (t->attached[i] == multi) t->attached[i] = NULL;
    }
    pthread_mutex_unlock(&t->mu);
}
