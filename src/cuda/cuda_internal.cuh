/* cuda_internal.cuh — the device model's state and the helpers the model
 * (cuda_gpt2.cu) and the KV cache (cuda_kvcache.cu) share. Internal to src/cuda. */
#ifndef RLHF_CUDA_INTERNAL_CUH
#define RLHF_CUDA_INTERNAL_CUH

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include "cuda/cuda_gpt2.h"
#include "cuda/cuda_kernels.cuh"
#include "cuda/cuda_plan.h"

/* One block's saved activations on the device (gpt2.c's LayerActs, with the
 * attention's (B,NH,T) log-sum-exp in place of the (B,NH,T,T) probabilities). */
typedef struct CudaLayerActs {
    float *ln1, *ln1_mean, *ln1_rstd; /* (N,C), (N), (N) */
    float *qkv;                       /* (N,3C) */
    float *att_lse;                   /* (B,NH,T) */
    float *atty;                      /* (N,C) */
    float *res2;                      /* (N,C) */
    float *ln2, *ln2_mean, *ln2_rstd; /* (N,C), (N), (N) */
    float *fch, *fch_gelu;            /* (N,4C) */
    float *res3;                      /* (N,C) */
} CudaLayerActs;

enum { CL_NONE, CL_RAW, CL_LOGP, CL_GRAD }; /* what d logits holds, as gpt2.c */

struct CudaGPT2 {
    GPT2Config cfg;
    int heads;
    GPT2Tensor tensors[GPT2_MAX_TENSORS];
    int n_tensors;
    size_t num_params;
    float *param_mem, *grad_mem;   /* device arenas, the host tensor table's layout */
    GPT2Params p, g;               /* device pointers into them (gpt2_params.c's point_params) */
    float *adam_m, *adam_v;        /* device, allocated by cuda_adamw_init */
    float beta1, beta2, eps, weight_decay;
    long adam_step;
    cudaStream_t st;
    cublasHandle_t blas;
    int tf32;
    char err[512];                 /* first failure; sticky */
    int failed;
    /* activations (device), sized for act_B × act_T */
    float *act_mem;
    CudaLayerActs *layers;         /* host array of n_slots */
    int n_slots;
    float *encoded, *lnf_mean, *lnf_rstd, *hidden, *logits, *lm_ent;
    float *d_hidden, *d_res, *d_a, *d_b, *att_delta;
    int *d_tok, *d_pos, *d_targets, *d_rows; /* (N), (N), (N), (N) */
    uint8_t *d_mask;                          /* (N) */
    float *d_vec1, *d_vec2, *d_vec3;          /* (N) per-token host ↔ device vectors */
    double *d_norm;                           /* (1 + K_NORM_BLOCKS) */
    int *h_tok, *h_pos;                       /* host (N) */
    uint8_t *h_mask;                          /* host (N) */
    int act_B, act_T, act_grads, B, T, has_mask, logits_state;
    /* attention through GEMMs (CUDA_ATT_GEMM): per-layer scratch, grown on demand */
    int att_mode;
    float *att_mem;
    size_t att_cap;                           /* floats in att_mem */
    float *ah_q, *ah_k, *ah_v, *ah_y;         /* (B,NH,T,hs) each; ah_y is dY in the backward */
    float *ah_dq, *ah_dk, *ah_dv;             /* (B,NH,T,hs), backward only */
    float *ah_s, *ah_ds;                      /* (B,NH,T,T) scores / probabilities, their gradient */
};

/* Records the first failure; returns -1. */
int cuda_fail(CudaGPT2 *g, const char *where, const char *what);
int cuda_check(CudaGPT2 *g, cudaError_t rc, const char *where);
int cuda_check_blas(CudaGPT2 *g, cublasStatus_t rc, const char *where);
#define CUDA_AT __FILE__ ":" RLHF_STR(__LINE__)
#define RLHF_STR(x) RLHF_STR2(x)
#define RLHF_STR2(x) #x
#define CK(g, call) cuda_check((g), (call), CUDA_AT)

/* C (+)= per plan: row-major products of cuda_plan.h through cublasGemmEx. */
void cuda_gemm(CudaGPT2 *g, CudaGemm pl, const float *A, const float *B, float *C, float beta);
/* out (N,OC) = [residual +] inp (N,IC)·wᵀ [+ bias]; residual may equal out. */
void cuda_linear_fwd(CudaGPT2 *g, float *out, const float *inp, const float *w, const float *bias,
                     const float *residual, int N, int IC, int OC);

#endif
