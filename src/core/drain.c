// SPDX-License-Identifier: MIT
// Graceful shutdown's bookkeeping (see drain.h): a list of the open connections
// under one lock. Closing an idle connection and starting a request on it take
// the same lock, so a request either starts first (and is answered) or finds its
// connection closing (and is refused before anything runs).
#include "drain.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/socket.h>

struct drain_connection {
    struct drain_connection *prev, *next;
    int fd;
    bool busy;    // a request runs on it
    bool closing; // its socket was shut down while idle
};

struct drain {
    pthread_mutex_t lock;
    struct drain_connection *head;
    int requests;         // requests running, tracked connection or not
    int writes;           // of which will write or are writing
    atomic_bool draining; // read without the lock by every answer
    bool stopping;        // the daemon is about to stop: refuse every new request
};

struct drain *drain_new(void)
{
    struct drain *drain = calloc(1, sizeof *drain);
    if (drain != NULL)
        pthread_mutex_init(&drain->lock, NULL);
    return drain;
}

void drain_free(struct drain *drain)
{
    if (drain == NULL)
        return;
    while (drain->head != NULL) {
        struct drain_connection *next = drain->head->next;
        free(drain->head);
        drain->head = next;
    }
    pthread_mutex_destroy(&drain->lock);
    free(drain);
}

struct drain_connection *drain_connection_opened(struct drain *drain, int fd)
{
    struct drain_connection *connection = calloc(1, sizeof *connection);
    if (connection == NULL)
        return NULL;
    connection->fd = fd;
    pthread_mutex_lock(&drain->lock);
    connection->next = drain->head;
    if (drain->head != NULL)
        drain->head->prev = connection;
    drain->head = connection;
    // Accepted just before the listener closed: nothing was asked on it yet.
    if (atomic_load(&drain->draining)) {
        connection->closing = true;
        shutdown(fd, SHUT_RDWR);
    }
    pthread_mutex_unlock(&drain->lock);
    return connection;
}

void drain_connection_closed(struct drain *drain, struct drain_connection *connection)
{
    if (connection == NULL)
        return;
    pthread_mutex_lock(&drain->lock);
    if (connection->prev != NULL)
        connection->prev->next = connection->next;
    else
        drain->head = connection->next;
    if (connection->next != NULL)
        connection->next->prev = connection->prev;
    pthread_mutex_unlock(&drain->lock);
    free(connection);
}

bool drain_request_begin(struct drain *drain, struct drain_connection *connection)
{
    pthread_mutex_lock(&drain->lock);
    bool allowed = !drain->stopping && (connection == NULL || !connection->closing);
    if (allowed) {
        drain->requests++;
        if (connection != NULL)
            connection->busy = true;
    }
    pthread_mutex_unlock(&drain->lock);
    return allowed;
}

void drain_request_writes(struct drain *drain)
{
    pthread_mutex_lock(&drain->lock);
    drain->writes++;
    pthread_mutex_unlock(&drain->lock);
}

void drain_request_end(struct drain *drain, struct drain_connection *connection, bool wrote)
{
    pthread_mutex_lock(&drain->lock);
    drain->requests--;
    if (wrote)
        drain->writes--;
    if (connection != NULL)
        connection->busy = false;
    pthread_mutex_unlock(&drain->lock);
}

bool drain_started(struct drain *drain)
{
    return atomic_load(&drain->draining);
}

int drain_requests(struct drain *drain)
{
    pthread_mutex_lock(&drain->lock);
    int requests = drain->requests;
    pthread_mutex_unlock(&drain->lock);
    return requests;
}

void drain_close_idle(struct drain *drain)
{
    pthread_mutex_lock(&drain->lock);
    atomic_store(&drain->draining, true);
    // Shutting the socket down (not closing it) leaves the descriptor to
    // libmicrohttpd, which sees the end of the stream and closes the connection.
    for (struct drain_connection *c = drain->head; c != NULL; c = c->next) {
        if (!c->busy && !c->closing) {
            c->closing = true;
            shutdown(c->fd, SHUT_RDWR);
        }
    }
    pthread_mutex_unlock(&drain->lock);
}

bool drain_may_stop(struct drain *drain, bool past_grace)
{
    pthread_mutex_lock(&drain->lock);
    bool may = drain->requests == 0 || (past_grace && drain->writes == 0);
    if (may)
        drain->stopping = true;
    pthread_mutex_unlock(&drain->lock);
    return may;
}
