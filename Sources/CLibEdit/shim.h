#ifndef P2PSH_CLIBEDIT_SHIM_H
#define P2PSH_CLIBEDIT_SHIM_H

// libedit's native API for the p2psh shell, with non-variadic wrappers that
// Swift can call, and the few pieces that must be C: a SIGINT handler (which
// may only write to a pipe) and the character reader libedit calls, which
// wakes on that pipe so Ctrl-C can cancel the line being edited.

#include <histedit.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>

/// The self-pipe written by the SIGINT handler: [0] read end, [1] write end.
static int p2psh_interrupt_pipe[2] = {-1, -1};
static volatile sig_atomic_t p2psh_window_changed = 0;

static void p2psh_on_sigint(int signo) {
    (void)signo;
    int saved = errno;
    char byte = 1;
    ssize_t ignored = write(p2psh_interrupt_pipe[1], &byte, 1);
    (void)ignored;
    errno = saved;
}

static void p2psh_on_sigwinch(int signo) {
    (void)signo;
    p2psh_window_changed = 1;
}

/// Installs the SIGINT and SIGWINCH handlers; returns the read end of the interrupt pipe, or -1.
static inline int p2psh_install_signal_handlers(void) {
    if (p2psh_interrupt_pipe[0] < 0) {
        if (pipe(p2psh_interrupt_pipe) != 0) return -1;
        for (int i = 0; i < 2; i++) {
            fcntl(p2psh_interrupt_pipe[i], F_SETFL, fcntl(p2psh_interrupt_pipe[i], F_GETFL) | O_NONBLOCK);
            fcntl(p2psh_interrupt_pipe[i], F_SETFD, FD_CLOEXEC);
        }
    }
    struct sigaction action;
    memset(&action, 0, sizeof action);
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    action.sa_handler = p2psh_on_sigint;
    sigaction(SIGINT, &action, NULL);
    action.sa_handler = p2psh_on_sigwinch;
    sigaction(SIGWINCH, &action, NULL);
    // A parent may start us with these blocked; threads made later inherit this mask.
    sigset_t unblock;
    sigemptyset(&unblock);
    sigaddset(&unblock, SIGINT);
    sigaddset(&unblock, SIGWINCH);
    pthread_sigmask(SIG_UNBLOCK, &unblock, NULL);
    return p2psh_interrupt_pipe[0];
}

/// Empties the interrupt pipe; returns how many interrupts were pending.
static inline int p2psh_drain_interrupts(void) {
    char buffer[64];
    int total = 0;
    ssize_t count;
    while ((count = read(p2psh_interrupt_pipe[0], buffer, sizeof buffer)) > 0) total += (int)count;
    return total;
}

/// libedit's character reader: one wide character from the input, or ^C (0x03) when SIGINT arrived.
static int p2psh_read_char(EditLine *el, wchar_t *out) {
    const int fd = 0;
    mbstate_t state;
    memset(&state, 0, sizeof state);
    char bytes[MB_LEN_MAX];
    size_t length = 0;
    for (;;) {
        if (p2psh_window_changed) {
            p2psh_window_changed = 0;
            el_resize(el);
        }
        struct pollfd fds[2] = {{fd, POLLIN, 0}, {p2psh_interrupt_pipe[0], POLLIN, 0}};
        int ready = poll(fds, 2, -1);
        if (ready < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        if (fds[1].revents & POLLIN) {
            p2psh_drain_interrupts();
            *out = 3;
            return 1;
        }
        if (!(fds[0].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        char byte;
        ssize_t count = read(fd, &byte, 1);
        if (count < 0 && errno == EINTR) continue;
        if (count <= 0) return count == 0 ? 0 : -1;
        bytes[length++] = byte;
        wchar_t character;
        size_t result = mbrtowc(&character, bytes, length, &state);
        if (result == (size_t)-2 && length < sizeof bytes) continue;
        if (result == (size_t)-1 || result == (size_t)-2) {
            // Not valid in this locale: pass the byte through as is.
            memset(&state, 0, sizeof state);
            *out = (unsigned char)bytes[0];
            return 1;
        }
        *out = character;
        return 1;
    }
}

static inline void p2psh_el_set_reader(EditLine *el) { el_set(el, EL_GETCFN, p2psh_read_char); }
static inline void p2psh_el_set_prompt(EditLine *el, char *(*prompt)(EditLine *)) { el_set(el, EL_PROMPT, prompt); }
static inline void p2psh_el_set_editor(EditLine *el, const char *mode) { el_set(el, EL_EDITOR, mode); }
static inline void p2psh_el_set_history(EditLine *el, History *h) { el_set(el, EL_HIST, history, h); }
static inline void p2psh_el_add_function(EditLine *el, const char *name, const char *help,
                                         unsigned char (*function)(EditLine *, int)) {
    el_set(el, EL_ADDFN, name, help, function);
}
static inline void p2psh_el_bind(EditLine *el, const char *key, const char *function) {
    el_set(el, EL_BIND, key, function, NULL);
}
static inline void p2psh_el_source_defaults(EditLine *el) { el_source(el, NULL); }

static inline void p2psh_history_set_size(History *h, int size) {
    HistEvent event;
    history(h, &event, H_SETSIZE, size);
    history(h, &event, H_SETUNIQUE, 1);
}
static inline int p2psh_history_load(History *h, const char *path) {
    HistEvent event;
    return history(h, &event, H_LOAD, path);
}
static inline int p2psh_history_save(History *h, const char *path) {
    HistEvent event;
    return history(h, &event, H_SAVE, path);
}
static inline void p2psh_history_enter(History *h, const char *line) {
    HistEvent event;
    history(h, &event, H_ENTER, line);
}
#endif
