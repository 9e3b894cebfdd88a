/* qwenvk.h: the C ABI of QwenVk (libqwenvk.so on Linux, qwenvk.dll on Windows), a NativeAOT build of
 * src/QwenVk.Native. Qwen2/Qwen2.5/Qwen3 checkpoints on any Vulkan GPU.
 *
 * Errors: a function that fails returns -1 (int results) or NULL (pointers) and sets an error message for the
 * calling thread, read with qwenvk_last_error(). Every call that can fail clears it first. No C# exception ever
 * crosses this boundary. Engine pointers are checked on every call: NULL, freed or foreign pointers fail cleanly.
 *
 * Ownership: strings returned by the library (qwenvk_version, qwenvk_last_error, the piece passed to
 * qwenvk_token_fn) belong to the library; do not free them. qwenvk_last_error's string stays valid until the next
 * call on the same thread; a piece is valid only during its callback. The caller owns every buffer it passes in;
 * the library keeps none of them after the call returns. An engine is freed with qwenvk_engine_free.
 *
 * Threading: any thread may call any function. One generation runs at a time per engine: concurrent
 * qwenvk_generate calls on one engine take turns. on_token runs on the thread that called qwenvk_generate; while
 * another thread waits for the engine, a callback that takes longer than 30 s loses the engine (that generation
 * then fails). Do not free an engine while another thread uses it.
 */
#ifndef QWENVK_H
#define QWENVK_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define QWENVK_API __declspec(dllimport)
#else
#define QWENVK_API
#endif

typedef struct qwenvk_engine qwenvk_engine;

/* The library's version, "MAJOR.MINOR.PATCH". Owned by the library. */
QWENVK_API const char *qwenvk_version(void);

/* The last failure's message on the calling thread (UTF-8), or NULL when the last call succeeded. */
QWENVK_API const char *qwenvk_last_error(void);

/* Loads the checkpoint folder model_dir (config.json, *.safetensors, tokenizer.json) on its own Vulkan device.
 * options_json may be NULL, else a JSON object with any of:
 *   "device": "NAME" or INDEX (default: the best device; QWENVK_DEVICE is honoured)
 *   "ctx": N (context length; default: the model's, capped)
 *   "quant": "f16" | "q8_0" | "q4_0" (quantize the weights at load; default f16)
 *   "validation": true|false (the Khronos validation layer; default: QWENVK_VALIDATION=1)
 * Unknown keys are an error. Returns NULL on error. Free with qwenvk_engine_free. */
QWENVK_API qwenvk_engine *qwenvk_engine_create(const char *model_dir, const char *options_json);

/* Like qwenvk_engine_create on a Vulkan device the caller owns (VkInstance, VkPhysicalDevice, VkDevice, VkQueue
 * and that queue's family index). The library never destroys these handles; they must outlive the engine, and
 * the caller must not use the queue while the engine does. "device" and "validation" in options_json are ignored. */
QWENVK_API qwenvk_engine *qwenvk_engine_create_adopted(void *instance, void *physical_device, void *device, void *queue,
                                                       uint32_t queue_family, const char *model_dir,
                                                       const char *options_json);

/* Encodes UTF-8 text literally (special-token text such as "<|im_start|>" stays text) into ids[0..capacity).
 * Returns the number of ids, or -1 on error; when capacity is too small, -1 and the needed count is in
 * qwenvk_last_error(). */
QWENVK_API int qwenvk_tokenize(qwenvk_engine *e, const char *utf8, int32_t *ids, int capacity);

/* Called once per generated token with its id and the text it completed (UTF-8, NUL-terminated, may be empty
 * while a character or a stop string is pending). Return nonzero to stop the generation (the cancel path). */
typedef int (*qwenvk_token_fn)(int32_t id, const char *piece_utf8, void *user);

/* Generates after prompt[0..n_prompt) (ids used as given: no chat template). The engine's KV cache reuses a
 * common prefix with the previous generation. sampling_json may be NULL (greedy, 256 tokens), else a JSON object
 * with any of: "max_tokens", "temperature" (0 = plain greedy, the default), "top_k", "top_p", "min_p", "seed",
 * "stop" (a string or an array of strings). Generation also stops at the model's end-of-sequence ids.
 * on_token may be NULL. Returns the number of tokens generated (those passed to on_token), or -1 on error. */
QWENVK_API int qwenvk_generate(qwenvk_engine *e, const int32_t *prompt, int n_prompt, const char *sampling_json,
                               qwenvk_token_fn on_token, void *user);

/* Frees an engine and its GPU memory (and the device, unless adopted). NULL is a no-op; a freed or foreign
 * pointer sets qwenvk_last_error and does nothing else. */
QWENVK_API void qwenvk_engine_free(qwenvk_engine *e);

#ifdef __cplusplus
}
#endif

#endif
