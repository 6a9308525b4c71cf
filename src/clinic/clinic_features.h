/* clinic_features.h — hashed n-gram features of a reply, the input of the
 * classifier's learned layer (clinic_learned.h).
 *
 * The reply is lower-cased and split into words of letters and digits
 * (apostrophes dropped: "can't" = "cant", so texting register matches; digit
 * runs folded to "0": "another 200" = "another 0", "3:30" = "0:0"); ". ! ;"
 * become a boundary token "." and "?" stays "?". Features are word unigrams,
 * word bigrams (with a start token) and/or character 4-grams of each word padded
 * with "<" and ">" ("double" -> "<dou", "doub", ...), so "doubling", a typo or
 * an unseen drug name still shares features with the training rows. With
 * CLINIC_FEAT_NEGATION, words after a negator ("not", "can't", "whether",
 * "without", ...) up to the end of the clause (punctuation, "but") are
 * hashed as different features, so "I can't say if it's probably eczema"
 * does not share "probably eczema" with a diagnosis. Each
 * feature is a 32-bit FNV-1a hash folded to CLINIC_FEAT_BITS bits; collisions
 * are harmless at this size. Pure functions of the text: no state, no locale. */
#ifndef RLHF_CLINIC_FEATURES_H
#define RLHF_CLINIC_FEATURES_H

#include <stdint.h>

#define CLINIC_FEAT_BITS 22
#define CLINIC_FEAT_MAX 4096   /* features of one reply kept at most (a ~95-word reply has ~700) */

/* Feature families (a model records the ones it was trained on). */
enum { CLINIC_FEAT_WORDS = 1, CLINIC_FEAT_BIGRAMS = 2, CLINIC_FEAT_CHAR4 = 4, CLINIC_FEAT_NEGATION = 8 };

/* Writes the distinct feature ids of reply from the families in `kinds`,
 * ascending, to out (cap entries at most) and returns how many. */
int clinic_features(const char *reply, unsigned kinds, uint32_t *out, int cap);

#endif
