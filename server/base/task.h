/*
 * task.h - a unit of work handed from one thread to another: the caller
 * embeds a struct task in what it hands over and sets run; the receiving
 * thread calls run(task) once. Linking through `next` needs no allocation,
 * so handing over cannot fail.
 */
#ifndef REFGW_TASK_H
#define REFGW_TASK_H

#include <stddef.h>

struct task {
    void (*run)(struct task *task);
    struct task *next;
};

/* The struct that embeds a task, from a pointer to that task. */
#define TASK_OWNER(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

#endif
