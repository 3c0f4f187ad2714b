from clusterbook.cli import main

main()
