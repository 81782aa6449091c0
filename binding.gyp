{
  "targets": [
    {
      "target_name": "ephemdir",
      # Portable sources; each OS adds its own files behind sys.h (see the
      # conditions below and native/sys_internal.h).
      "sources": [
        "native/addon.cc",
        "native/args.cc",
        "native/sys_ops.cc",
        "native/sys_stat.cc",
        "native/fs_bindings.cc",
        "native/fs_batch.cc",
        "native/tree_names.cc",
        "native/tree_stack.cc",
        "native/tree_logs.cc",
        "native/remove_walker.cc",
        "native/remove_repair.cc",
        "native/remove_parallel.cc",
        "native/remove_tree.cc",
        "native/scan_tree.cc",
        "native/tree_options.cc",
        "native/tree_bindings.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": [
        "NAPI_VERSION=8",
        "NODE_ADDON_API_DISABLE_CPP_EXCEPTIONS",
        "EPHEMDIR_STAMP=<!(node scripts/native-stamp.js)"
      ],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-Wno-unused-parameter", "-fvisibility=hidden"],
      "cflags_cc!": ["-std=gnu++14", "-std=gnu++17"],
      "conditions": [
        ["OS=='win'", { "type": "none", "sources": [] }],
        ["OS=='linux'", {
          "sources": [
            "native/sys_linux.cc",
            "native/dir_reader_linux.cc",
            # Keeps prebuilds built on a current Debian loadable on glibc 2.28+
            # with GCC 5's libstdc++: binds the few symbols a newer toolchain
            # ties to newer versions to their old ones (see the file's header).
            "native/abi_floor.cc"
          ]
        }],
        ["OS=='mac'", {
          "sources": [
            "native/sys_darwin.cc",
            "native/dir_reader_darwin.cc"
          ],
          "xcode_settings": {
            "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
            "MACOSX_DEPLOYMENT_TARGET": "11.0",
            "OTHER_CFLAGS": ["-arch x86_64", "-arch arm64"],
            "OTHER_LDFLAGS": ["-arch x86_64", "-arch arm64"]
          }
        }]
      ]
    }
  ]
}
