/* transcript.h — HH-RLHF transcripts: "\n\nHuman: ...\n\nAssistant: ..." turns.
 *
 * A turn starts at a marker, "\n\nHuman:" or "\n\nAssistant:" (at the very start
 * of a transcript the "\n\n" may be absent or replaced by other whitespace), and
 * its text is everything up to the next marker, minus the one space that follows
 * the colon. "Human:" without the blank line before it is ordinary text: the
 * real data has replies that say "Human: ..." mid-line, and they are not turns.
 *
 * Turns point into the parsed string (no copies); the Transcript only owns its
 * array of turns, which is reused across calls to transcript_parse. */
#ifndef RLHF_TRANSCRIPT_H
#define RLHF_TRANSCRIPT_H

#include "util/common.h"

#define TRANSCRIPT_HUMAN "\n\nHuman:"
#define TRANSCRIPT_ASSISTANT "\n\nAssistant:"
#define TRANSCRIPT_HUMAN_LEN 8
#define TRANSCRIPT_ASSISTANT_LEN 12

typedef enum { ROLE_HUMAN = 0, ROLE_ASSISTANT = 1 } TurnRole;

typedef struct Turn {
    TurnRole role;
    const char *text;   /* into the parsed string; not NUL-terminated */
    size_t len;
} Turn;

typedef struct Transcript {
    Turn *turns;
    int n, cap;
} Transcript;

/* Parses s[0..len) into turns (t is reset first; zero-initialise it before the
 * first call). Fails when non-whitespace text comes before the first marker or
 * there is no marker at all. */
int transcript_parse(const char *s, size_t len, Transcript *t, RlhfErr *e);
void transcript_free(Transcript *t);
/* Number of turns transcript_parse would find (0 when it would fail); no allocation. */
int transcript_count_turns(const char *s, size_t len);

/* The first Human turn's text with surrounding whitespace trimmed, without
 * allocating. Returns 0, or -1 when s has no Human turn (then *text, *tlen are
 * the whole of s, trimmed, so callers can still hash something stable). */
int transcript_first_human(const char *s, size_t len, const char **text, size_t *tlen);

/* Where the final Assistant reply of a comparison pair starts. chosen and
 * rejected are whole transcripts that should differ only in that reply.
 * Returns 0 and sets *prompt_len = the offset of the final "\n\nAssistant:"
 * marker (the same in both), or -1 with e saying why:
 *   *mismatch = 1: the two differ before their final Assistant turn;
 *   *mismatch = 0: a transcript is malformed (no Assistant turn, ends with a
 *                  Human turn).
 * Replies may themselves contain "\n\nAssistant:" (the real data has models
 * that continue with a second Assistant paragraph), so the split point is the
 * last Assistant marker inside the common prefix, not the last in each string. */
int transcript_split_pair(const char *chosen, size_t clen, const char *rejected, size_t rlen,
                          size_t *prompt_len, int *mismatch, RlhfErr *e);

/* Offset of the first occurrence of needle in s[0..len), or -1. */
long transcript_find(const char *s, size_t len, const char *needle, size_t nlen);

#endif
