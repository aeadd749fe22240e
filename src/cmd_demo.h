/* cmd_demo.h - `tlsprof demo`: the embedded server, profiled fresh and pooled. */
#ifndef TLSPROF_CMD_DEMO_H
#define TLSPROF_CMD_DEMO_H

int demo_main(int argc, char **argv);

#endif
