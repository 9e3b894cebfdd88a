/* A C sample of QwenVk's C ABI (qwenvk.h): loads a model folder, tokenizes a prompt (or takes ids), generates
 * greedily with a per-token callback, and prints the generated ids on the last line.
 *
 * Build (after tools/build-native.sh OUT):  cc -I OUT samples/c/generate.c -L OUT -lqwenvk -Wl,-rpath,OUT -o generate
 * Usage: generate MODEL_DIR (--text TEXT | --ids 1,2,3) [MAX_TOKENS]
 * Output: the streamed text on stdout, then a line "ids: 5 6 7". Errors: "error: ..." on stderr, exit 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qwenvk.h"

typedef struct {
    int32_t ids[4096];
    int count;
    int stop_after; /* stop (cancel) after this many tokens; 0: never */
} collected;

static int on_token(int32_t id, const char *piece, void *user) {
    collected *c = (collected *)user;
    if (c->count < (int)(sizeof c->ids / sizeof c->ids[0])) c->ids[c->count] = id;
    c->count++;
    fputs(piece, stdout);
    fflush(stdout);
    return c->stop_after > 0 && c->count >= c->stop_after; /* nonzero: stop */
}

static int fail(const char *what) {
    const char *e = qwenvk_last_error();
    fprintf(stderr, "error: %s: %s\n", what, e ? e : "(no message)");
    return 1;
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: %s MODEL_DIR (--text TEXT | --ids 1,2,3) [MAX_TOKENS [STOP_AFTER]]\n", argv[0]);
        return 2;
    }
    int max_tokens = argc > 4 ? atoi(argv[4]) : 16;
    static collected out;
    out.stop_after = argc > 5 ? atoi(argv[5]) : 0;

    printf("qwenvk %s\n", qwenvk_version());
    qwenvk_engine *e = qwenvk_engine_create(argv[1], NULL);
    if (!e) return fail("qwenvk_engine_create");

    int32_t prompt[1024];
    int n = 0;
    if (strcmp(argv[2], "--text") == 0) {
        n = qwenvk_tokenize(e, argv[3], prompt, (int)(sizeof prompt / sizeof prompt[0]));
        if (n < 0) { fail("qwenvk_tokenize"); qwenvk_engine_free(e); return 1; }
    } else {
        for (char *s = argv[3]; *s && n < 1024;) {
            prompt[n++] = (int32_t)strtol(s, &s, 10);
            if (*s == ',') s++;
        }
    }
    printf("prompt:");
    for (int i = 0; i < n; i++) printf(" %d", prompt[i]);
    printf("\n");

    char sampling[128];
    snprintf(sampling, sizeof sampling, "{\"max_tokens\": %d, \"temperature\": 0}", max_tokens);
    int generated = qwenvk_generate(e, prompt, n, sampling, on_token, &out);
    if (generated < 0) { fail("qwenvk_generate"); qwenvk_engine_free(e); return 1; }
    printf("\nids:");
    for (int i = 0; i < out.count && i < (int)(sizeof out.ids / sizeof out.ids[0]); i++) printf(" %d", out.ids[i]);
    printf("\n");
    qwenvk_engine_free(e);
    return 0;
}
