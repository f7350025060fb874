# Copyright (c) mmrvos contributors. All rights reserved.
