#ifndef P2PSH_CLIBEDIT_SHIM_H
#define P2PSH_CLIBEDIT_SHIM_H

// libedit's native API for the p2psh shell, with non-variadic wrappers that
// Swift can call, and the few pieces that must be C: a SIGINT handler (which
// may only write to a pipe) and the character reader libedit calls, which
// wakes on that pipe so Ctrl-C can cancel the line being edited.

#include <histedit.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>
#include <stdio.h>
#include <sys/ioctl.h>

// Statics in this header are per translation unit: only the signal handlers and
// their installer share one, and they always come from the same Swift file.
// Everything else gets the interrupt pipe's read end as an argument.

/// The width of the terminal on `fd` in columns, or 0 when it is not a terminal.
static inline int p2psh_terminal_columns(int fd) {
    struct winsize size;
    if (ioctl(fd, TIOCGWINSZ, &size) != 0) return 0;
    return size.ws_col;
}

/// Bytes the signal handlers write to the interrupt pipe.
enum { P2PSH_INTERRUPT = 1, P2PSH_WINDOW_CHANGE = 2, P2PSH_TERMINATE = 3, P2PSH_LOG = 4 };

/// The self-pipe written by the signal handlers: [0] read end, [1] write end.
static int p2psh_signal_pipe[2] = {-1, -1};

static void p2psh_on_signal(int signo) {
    int saved = errno;
    char byte = signo == SIGINT ? P2PSH_INTERRUPT : signo == SIGWINCH ? P2PSH_WINDOW_CHANGE : P2PSH_TERMINATE;
    ssize_t ignored = write(p2psh_signal_pipe[1], &byte, 1);
    (void)ignored;
    errno = saved;
}

/// Installs the handlers for SIGINT (cancel), SIGWINCH (resize) and SIGTERM/SIGHUP (leave
/// cleanly); returns the read end of their pipe, or -1.
static inline int p2psh_install_signal_handlers(void) {
    if (p2psh_signal_pipe[0] < 0) {
        if (pipe(p2psh_signal_pipe) != 0) return -1;
        for (int i = 0; i < 2; i++) {
            fcntl(p2psh_signal_pipe[i], F_SETFL, fcntl(p2psh_signal_pipe[i], F_GETFL) | O_NONBLOCK);
            fcntl(p2psh_signal_pipe[i], F_SETFD, FD_CLOEXEC);
        }
    }
    struct sigaction action;
    memset(&action, 0, sizeof action);
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    action.sa_handler = p2psh_on_signal;
    const int signals[] = {SIGINT, SIGWINCH, SIGTERM, SIGHUP};
    // A parent may start us with these blocked; threads made later inherit this mask.
    sigset_t unblock;
    sigemptyset(&unblock);
    for (int i = 0; i < 4; i++) {
        sigaction(signals[i], &action, NULL);
        sigaddset(&unblock, signals[i]);
    }
    pthread_sigmask(SIG_UNBLOCK, &unblock, NULL);
    return p2psh_signal_pipe[0];
}

/// The signal pipe's write end, for the shell's own wake-ups (log lines while a line is edited).
static inline int p2psh_signal_write_end(void) { return p2psh_signal_pipe[1]; }

/// What the signal pipe held.
struct p2psh_signals {
    int interrupts;
    int window_changed;
    int terminate;
    /// Log lines wait to be shown above the line being edited.
    int logs;
};

/// Empties the signal pipe and tells what it held.
static inline struct p2psh_signals p2psh_drain_signals(int fd) {
    struct p2psh_signals seen = {0, 0, 0, 0};
    char buffer[64];
    ssize_t count;
    while ((count = read(fd, buffer, sizeof buffer)) > 0) {
        for (ssize_t i = 0; i < count; i++) {
            if (buffer[i] == P2PSH_INTERRUPT) seen.interrupts++;
            else if (buffer[i] == P2PSH_WINDOW_CHANGE) seen.window_changed = 1;
            else if (buffer[i] == P2PSH_LOG) seen.logs = 1;
            else seen.terminate = 1;
        }
    }
    return seen;
}

/// What the line reader needs and reports; owned by the Swift side, passed as client data.
struct p2psh_reader_state {
    /// The signal pipe's read end.
    int signal_fd;
    /// Set when SIGTERM or SIGHUP ended the input.
    int terminated;
    /// The prompt's width in columns.
    int prompt_width;
    /// Writes the log lines that arrived while a line was edited (on the main thread).
    void (*show_logs)(void);
};

/// The terminal's width in columns, as libedit knows it (80 when it cannot tell).
static inline int p2psh_el_columns(EditLine *el) {
    int columns = 0;
    if (el_get(el, EL_GETTC, "co", &columns) != 0 || columns <= 0) columns = 80;
    return columns;
}

/// Moves to the row the prompt is on and clears everything from there down. Terminals rewrap
/// a long line to their width, so the cursor's row is counted in it.
static void p2psh_clear_edited_line(EditLine *el, int prompt_width) {
    const int columns = p2psh_el_columns(el);
    const LineInfoW *line = el_wline(el);
    int width = prompt_width;
    for (const wchar_t *c = line->buffer; c < line->cursor; c++) {
        int cells = wcwidth(*c);
        width += cells > 0 ? cells : 0;
    }
    FILE *out = NULL;
    if (el_get(el, EL_GETFP, 1, &out) != 0 || out == NULL) return;
    const int rows = width / columns;
    if (rows > 0) fprintf(out, "\r\033[%dA\033[J", rows);
    else fputs("\r\033[J", out);
    fflush(out);
}

/// SIGWINCH while a line is being edited: libedit learns the new size (el_resize, as its own
/// handler would do), then the prompt and line are drawn again from the row the prompt is on
/// now, so no piece of the old drawing is left.
static void p2psh_redraw_after_resize(EditLine *el, int prompt_width) {
    el_resize(el);
    p2psh_clear_edited_line(el, prompt_width);
    el_set(el, EL_REFRESH);
}

/// Log lines while a line is edited: the prompt and line are cleared, the log lines written
/// where they were, and the prompt and line drawn again below them, as typed.
static void p2psh_show_logs_while_editing(EditLine *el, struct p2psh_reader_state *reader) {
    if (reader->show_logs == NULL) return;
    p2psh_clear_edited_line(el, reader->prompt_width);
    reader->show_logs();
    el_set(el, EL_REFRESH);
}

/// libedit's character reader: one wide character from the terminal, ^C (0x03) when
/// SIGINT arrived, or end of input on SIGTERM/SIGHUP.
static int p2psh_read_char(EditLine *el, wchar_t *out) {
    const int fd = 0;
    struct p2psh_reader_state *reader = NULL;
    el_get(el, EL_CLIENTDATA, &reader);
    const int signal_fd = reader->signal_fd;
    mbstate_t state;
    memset(&state, 0, sizeof state);
    size_t length = 0;
    for (;;) {
        struct pollfd fds[2] = {{fd, POLLIN, 0}, {signal_fd, POLLIN, 0}};
        int ready = poll(fds, 2, -1);
        if (ready < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        if (fds[1].revents & POLLIN) {
            struct p2psh_signals seen = p2psh_drain_signals(signal_fd);
            if (seen.window_changed) p2psh_redraw_after_resize(el, reader->prompt_width);
            if (seen.logs) p2psh_show_logs_while_editing(el, reader);
            if (seen.terminate) {
                reader->terminated = 1;
                return 0;
            }
            if (seen.interrupts > 0) {
                *out = 3;
                return 1;
            }
            continue;
        }
        if (!(fds[0].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        char byte;
        ssize_t count = read(fd, &byte, 1);
        if (count < 0 && errno == EINTR) continue;
        if (count <= 0) return count == 0 ? 0 : -1;
        length++;
        wchar_t character;
        // Only the new byte: after "incomplete" (-2), mbrtowc has already taken the earlier
        // bytes of the character into `state`, and giving them again makes it invalid.
        size_t result = mbrtowc(&character, &byte, 1, &state);
        if (result == (size_t)-2 && length < 8) continue;
        if (result == (size_t)-1 || result == (size_t)-2) {
            // Not a character in this locale: U+FFFD, as terminals show it.
            *out = 0xFFFD;
            return 1;
        }
        *out = character;
        return 1;
    }
}

/// Makes libedit read through ``p2psh_read_char``; `reader` must outlive `el`.
static inline void p2psh_el_set_reader(EditLine *el, struct p2psh_reader_state *reader) {
    el_set(el, EL_CLIENTDATA, (void *)reader);
    el_set(el, EL_GETCFN, p2psh_read_char);
}
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
}
static inline void p2psh_history_clear(History *h) {
    HistEvent event;
    history(h, &event, H_CLEAR);
}
static inline void p2psh_history_enter(History *h, const char *line) {
    HistEvent event;
    history(h, &event, H_ENTER, line);
}
#endif
