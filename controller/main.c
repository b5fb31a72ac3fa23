/* warmpool-controller: see docs/controller.md. */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--version") == 0) {
        printf("warmpool-controller %s\n", WP_VERSION);
        return 0;
    }
    fprintf(stderr, "warmpool-controller: not implemented yet\n");
    return 1;
}
