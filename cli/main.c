/* warmpoolctl: everything is in the wpcli library (cli/cli.h). */
#include <stdio.h>

#include "cli/cli.h"

int main(int argc, char **argv)
{
    return wp_cli_main(argc, argv, stdout, stderr);
}
