/* SPDX-License-Identifier: BSD-3-Clause */
#include "core/weir.h"

/* The daemon instance; start-up (app/core/main.c) fills it. */
struct weir weir;
