from writesmooth.cli.main import main

main()
