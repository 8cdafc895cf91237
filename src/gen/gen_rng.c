// SPDX-License-Identifier: MIT
// The case generator's random numbers: xoshiro256** seeded through splitmix64,
// fast and the same on every machine, so the same seed gives the same city's
// history everywhere.
#include "gen.h"

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

void gen_rng_seed(struct gen_rng *rng, uint64_t seed)
{
    for (int i = 0; i < 4; i++) {
        seed += 0x9e3779b97f4a7c15ULL;
        uint64_t z = seed;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        rng->s[i] = z ^ (z >> 31);
    }
}

uint64_t gen_rng_next(struct gen_rng *rng)
{
    uint64_t *s = rng->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double gen_rng_unit(struct gen_rng *rng)
{
    return (double)(gen_rng_next(rng) >> 11) * 0x1.0p-53;
}

int gen_rng_below(struct gen_rng *rng, int n)
{
    return n <= 0 ? 0 : (int)(gen_rng_unit(rng) * n);
}

bool gen_rng_chance(struct gen_rng *rng, double p)
{
    return gen_rng_unit(rng) < p;
}

double gen_rng_range(struct gen_rng *rng, double lo, double hi)
{
    return lo + (hi - lo) * gen_rng_unit(rng);
}

int gen_rng_pick(struct gen_rng *rng, const double *cumulative, int n)
{
    double draw = gen_rng_unit(rng) * cumulative[n - 1];
    int lo = 0, hi = n - 1;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (cumulative[mid] > draw)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}
